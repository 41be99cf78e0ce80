/**
 * Run by test/lib/determinism.test.ts in a child process with another LC_ALL and TZ: prints what
 * the project sorts and synthesizes, as JSON, for the parent to compare across locales.
 */
import { synthesize } from '../../src';
import { byCodePoint, sortedByCodePoint } from '../../src/core/sort';
import { SidecarNamespaceProfile, ServiceDeclaration, CallerDeclaration } from '../../src';
import { baseConfig } from '../util';

/** Service names whose order differs between Czech collation ("ch" after "h") and code points. */
const NAMES = ['hub', 'chat', 'feed', 'hotel', 'cherry'];

class Chat extends SidecarNamespaceProfile {
  protected override services(): ServiceDeclaration[] {
    return NAMES.map(name => ({ name, selector: { app: name }, ports: [{ port: 8080 }], serviceAccount: name }));
  }
  protected override callers(): CallerDeclaration[] {
    return [{ namespace: 'chat', serviceAccount: 'chat' }];
  }
}

const [result] = synthesize([baseConfig({ namespaces: { chat: {} } })], (app, env) => { new Chat(app, 'chat', { env }); });
process.stdout.write(JSON.stringify({
  locale: Intl.DateTimeFormat().resolvedOptions().locale,
  localeCompareOrder: ['chat', 'hotel'].sort((a, b) => a.localeCompare(b)),
  helpers: sortedByCodePoint(['chat', 'feed', 'Zeta', 'alpha', 'a-b', 'a_b', 'hotel']),
  comparator: [...NAMES].sort(byCodePoint),
  files: result.files,
}));
