/**
 * A fresh machine without Chromium: `npm test` must pass the node project and say how to
 * enable the browser one, while CI (FEATSTATS_REQUIRE_BROWSER=1) must fail without it.
 * `.ci/run` also runs vitest end to end with FEATSTATS_CHROMIUM pointing nowhere.
 */
import { describe, expect, it } from 'vitest';

import { browserPlan, DEFAULT_CHROMIUM } from '../../vitest.config';

const nowhere = () => false;
const everywhere = () => true;

describe('browserPlan', () => {
  it('runs the browser project on Debian’s Chromium when it is there', () => {
    const seen: string[] = [];
    const plan = browserPlan({}, (path) => (seen.push(path), true));
    expect(plan).toEqual({ run: true, executablePath: '/usr/bin/chromium' });
    expect(seen).toEqual([DEFAULT_CHROMIUM]);
  });

  it('uses FEATSTATS_CHROMIUM when set', () => {
    expect(browserPlan({ FEATSTATS_CHROMIUM: '/opt/chrome/chrome' }, everywhere)).toEqual({ run: true, executablePath: '/opt/chrome/chrome' });
  });

  it('skips with a notice naming the path and the one command that enables it', () => {
    const plan = browserPlan({ FEATSTATS_CHROMIUM: '/nowhere/chromium' }, nowhere);
    expect(plan.run).toBe(false);
    const notice = plan.run ? '' : plan.notice;
    expect(notice).toMatch(/^featstats: SKIPPED the browser test projects .*: no Chromium at \/nowhere\/chromium\.$/m);
    expect(notice).toMatch(/^ {2}Enable it with: sudo apt-get install chromium\b/m);
  });

  it('throws instead when CI requires the browser project', () => {
    expect(() => browserPlan({ FEATSTATS_REQUIRE_BROWSER: '1' }, nowhere)).toThrow(
      /^featstats: FEATSTATS_REQUIRE_BROWSER=1 but no Chromium at \/usr\/bin\/chromium; install it with: sudo apt-get install chromium$/,
    );
    expect(browserPlan({ FEATSTATS_REQUIRE_BROWSER: '1' }, everywhere).run).toBe(true);
  });
});
