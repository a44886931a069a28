import type { Command } from '../command.ts';
import { demo } from './demo.ts';
import { erase } from './erase.ts';
import { exportCommand } from './export.ts';
import { incident } from './incident.ts';
import { incidents } from './incidents.ts';
import { keys } from './keys.ts';
import { prove, verifyProofCommand } from './prove.ts';
import { queries } from './queries.ts';
import { reconcileCommand } from './reconcile.ts';
import { query } from './query.ts';
import { schema } from './schema.ts';
import { up } from './up.ts';
import { verify } from './verify.ts';

export const commands: readonly Command[] = [up, demo, queries, query, incidents, incident, schema, keys, exportCommand, verify, reconcileCommand, prove, verifyProofCommand, erase];
