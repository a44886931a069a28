import type { Command } from '../command.ts';
import { demo } from './demo.ts';
import { queries } from './queries.ts';
import { query } from './query.ts';
import { up } from './up.ts';
import { exportCommand } from './export.ts';
import { keys } from './keys.ts';
import { prove, verifyProofCommand } from './prove.ts';
import { verify } from './verify.ts';

export const commands: readonly Command[] = [up, demo, queries, query, keys, exportCommand, verify, prove, verifyProofCommand];
