import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src';

describe('the value a problem shows', () => {
  const shown = (value: unknown) => formatProblem({ field: 'f', value, message: 'is wrong', fix: 'change it' });

  it('is its JSON, cut at 200 characters', () => {
    expect(shown({ a: [1, 'x'] })).toBe(`'f' is wrong; got {"a":[1,"x"]}. fix: change it`);
    expect(shown(undefined)).toBe(`'f' is wrong; got nothing. fix: change it`);
    expect(shown('y'.repeat(300))).toContain(`got "${'y'.repeat(196)}.... fix`);
  });

  it('is its text when it has no JSON, instead of failing', () => {
    expect(shown(BigInt(7))).toBe(`'f' is wrong; got 7. fix: change it`);
    expect(shown(Symbol('s'))).toBe(`'f' is wrong; got Symbol(s). fix: change it`);
    expect(shown(function named() {})).toContain('got function named() {}');
  });
});
