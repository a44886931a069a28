// The reference engine reads the global allow list of this checkout's rules, as the current engine does.
export { GLOBAL_ALLOW } from '../../../../instrumentation/redaction/rules/rules.generated.ts';
