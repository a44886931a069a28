import type { Command } from '../command.ts';
import { demo } from './demo.ts';
import { queries } from './queries.ts';
import { query } from './query.ts';
import { up } from './up.ts';
import { schema } from './schema.ts';

export const commands: readonly Command[] = [up, demo, queries, query, schema];
