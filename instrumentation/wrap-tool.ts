/**
 * Kept for existing imports: the tool wrapper lives in record-tool.ts with the tool recorder.
 */
export { wrapTool, startToolCall, type WrapToolOptions, type ToolCallInfo, type ToolCallHandle } from './record-tool.ts';
