import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreCorpus, scoreTable } from '../../scripts/check-corpus';
import { ROOT } from '../util';

describe('labelled corpus', () => {
  it('the README shows the precision and recall that npm run check:corpus computes', () => {
    const score = scoreCorpus(path.join(ROOT, 'test', 'corpus'));
    expect(score.cases).toBeGreaterThan(5);
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(scoreTable(score));
  });
});
