import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { AppProfile, appProfiles, appWideProblems, recordRouteHosts } from '../../src/profiles/app-profiles';

/** A stand-in for a namespace profile: a construct with a namespace. */
class Stub extends Construct implements AppProfile {
  constructor(
    scope: Construct,
    id: string,
    public readonly namespace: string,
  ) {
    super(scope, id);
  }
}
const isStub = (x: unknown): x is Stub => x instanceof Stub;

/** Profiles under one root, each with its namespace and route hosts ([host, route]). */
function app(specs: ReadonlyArray<readonly [string, string, ReadonlyArray<readonly [string, string]>]>) {
  const root = new Construct(undefined as unknown as Construct, '');
  const stubs = specs.map(([id, namespace, hosts]) => {
    const s = new Stub(root, id, namespace);
    recordRouteHosts(s, hosts);
    return s;
  });
  return { root, stubs, problems: (s: Stub) => appWideProblems(s, appProfiles(s, isStub), `${s.node.id}.routes()`) };
}

describe('appWideProblems: one profile per namespace, each route host claimed once', () => {
  it('reports every later claim against the earliest one, and says nothing of the first or of distinct claims', () => {
    const { stubs, problems } = app([
      ['a', 'shop', [['shop.example.com', 'web']]],
      ['b', 'pay', [['pay.example.com', 'api']]],
      ['c', 'shop', [['shop.example.com', 'store']]],
      [
        'd',
        'shop',
        [
          ['shop.example.com', 'again'],
          ['pay.example.com', 'other'],
        ],
      ],
    ]);
    const [a, b, c, d] = stubs;
    expect(problems(a)).toEqual([]);
    expect(problems(b)).toEqual([]);
    expect(problems(c).map(p => [p.field, p.value, p.message.slice(0, 60)])).toEqual([
      ['namespace', 'shop', "is also the namespace of profile 'a' (Stub): one profile's p"],
      ['c.routes()', 'shop.example.com', "is a host of route 'store', and also of route 'web' in names"],
    ]);
    expect(
      problems(d).map(p => [
        p.value,
        p.message
          .match(/profile '(\w+)'|route '(\w+)' in namespace (\w+)/)
          ?.slice(1)
          .filter(Boolean),
      ]),
    ).toEqual([
      ['shop', ['a']],
      ['shop.example.com', ['web', 'shop']],
      ['pay.example.com', ['api', 'pay']],
    ]);
  });

  it('does not report a profile against itself, and names the first route of the earlier profile with the host', () => {
    const { stubs, problems } = app([
      [
        'a',
        'one',
        [
          ['x.example.com', 'first'],
          ['x.example.com', 'second'],
        ],
      ],
      ['b', 'two', [['x.example.com', 'mine']]],
    ]);
    expect(problems(stubs[0])).toEqual([]);
    expect(problems(stubs[1]).map(p => p.message)).toEqual([
      "is a host of route 'mine', and also of route 'first' in namespace one (Stub): the gateway would send it to one of them only",
    ]);
  });

  it('sees hosts recorded after an earlier check', () => {
    const { root, stubs, problems } = app([['a', 'one', []]]);
    expect(problems(stubs[0])).toEqual([]);
    const late = new Stub(root, 'late', 'two');
    recordRouteHosts(late, [['y.example.com', 'r']]);
    // The list of profiles is taken once; a host recorded later by a listed profile still counts.
    recordRouteHosts(stubs[0], [['y.example.com', 'early']]);
    expect(problems(stubs[0])).toEqual([]);
    expect(problems(late).map(p => p.value)).toEqual(['y.example.com']);
  });

  it('compares a profile that is not a child of the root with every one that is', () => {
    const { root, problems } = app([['a', 'shop', [['s.example.com', 'web']]]]);
    const nested = new Stub(new Construct(root, 'group'), 'nested', 'shop');
    recordRouteHosts(nested, [['s.example.com', 'web2']]);
    expect(problems(nested).map(p => p.field)).toEqual(['namespace', 'nested.routes()']);
  });
});
