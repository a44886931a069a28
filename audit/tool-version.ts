import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRootOf } from '../package/package-root.ts';

/** flightrec's version from package.json, recorded in every manifest. */
export const TOOL_VERSION: string = (JSON.parse(readFileSync(join(packageRootOf(import.meta.url), 'package.json'), 'utf8')) as { version: string }).version;
