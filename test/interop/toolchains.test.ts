import { describe, expect, it } from 'vitest';
import { requireGo, requirePython } from './support/toolchains.ts';

// The interop project runs real peers built with Go and Python; without them it must fail, not skip.
describe('interop toolchains', () => {
  it('has Go ≥ 1.24', () => {
    const [, major, minor] = /go(\d+)\.(\d+)/.exec(requireGo().version) ?? [];
    expect(Number(major) * 100 + Number(minor)).toBeGreaterThanOrEqual(124);
  });
  it('has Python ≥ 3.10', () => {
    const [, major, minor] = /Python (\d+)\.(\d+)/.exec(requirePython().version) ?? [];
    expect(Number(major) * 100 + Number(minor)).toBeGreaterThanOrEqual(310);
  });
});
