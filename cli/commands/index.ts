import type { Command } from '../command.ts';
import { demo } from './demo.ts';
import { incident } from './incident.ts';
import { incidents } from './incidents.ts';
import { queries } from './queries.ts';
import { query } from './query.ts';
import { up } from './up.ts';
import { schema } from './schema.ts';

export const commands: readonly Command[] = [up, demo, queries, query, incidents, incident, schema];
