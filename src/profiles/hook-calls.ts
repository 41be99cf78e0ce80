/**
 * How a namespace profile calls its hooks: a throw, or nothing returned where a value is due,
 * becomes a problem; and every problem of a hook's value is named after what the team wrote: the
 * hook it overrode (`Payments.routes()`), or the `declarations` field a library hook returned
 * (`declarations.routes`).
 */
import { Problem } from '../core/problem';

/** Set on the library's own profile classes: their hooks return the `declarations` prop. */
export const LIBRARY_PROFILE = Symbol.for('eks-istio-mesh.LibraryProfile');

/** The hook calls of one profile, and the problems they found. */
export class HookCalls {
  /** Problems of the hooks' values, in the order found. */
  public readonly problems: Problem[] = [];

  /**
   * @param profile the profile whose hooks are called
   * @param fromProps the profile was given the `declarations` prop
   */
  constructor(
    private readonly profile: object,
    private readonly fromProps: boolean,
  ) {}

  /** The class the team wrote (or the library class it constructed). */
  public get className(): string {
    return this.profile.constructor.name || 'NamespaceProfile';
  }

  /** The hook is the library's, so its value is the `declarations` prop's field. */
  public fromDeclarations(hook: string): boolean {
    if (!this.fromProps) return false;
    let proto = Object.getPrototypeOf(this.profile);
    while (proto && !Object.prototype.hasOwnProperty.call(proto, hook)) proto = Object.getPrototypeOf(proto);
    return !!proto && Object.prototype.hasOwnProperty.call(proto.constructor, LIBRARY_PROFILE);
  }

  /** Where a hook's value is reported: `Payments.routes()`, or `declarations.routes`. */
  public fieldOf(hook: string): string {
    return this.fromDeclarations(hook) ? `declarations.${hook}` : `${this.className}.${hook}()`;
  }

  /** The hook as written, for messages: `routes()`, or `declarations.routes`. */
  public written(hook: string): string {
    return this.fromDeclarations(hook) ? `declarations.${hook}` : `${hook}()`;
  }

  public problem(hook: string, path: string, value: unknown, message: string, fix: string): void {
    this.problems.push({ field: `${this.fieldOf(hook)}${path}`, value, message, fix });
  }

  /**
   * Call a hook; a throw becomes a problem naming the class and hook, and so does returning nothing
   * from a hook that must return a value (the base implementations always return one, so only an
   * override without `return` does).
   */
  public call<T>(hook: string, fn: () => T, fallback: T, undefinedOk = false): T {
    try {
      const value = fn.call(this.profile);
      if (value === undefined || value === null) {
        if (!undefinedOk) {
          const empty = Array.isArray(fallback) ? '[]' : JSON.stringify(fallback);
          this.problem(
            hook,
            '',
            value,
            'returned nothing: a missing return statement drops everything the hook declares',
            `return a value from ${this.className}.${hook}() (${empty} for none)`,
          );
        }
        return fallback;
      }
      return value;
    } catch (e) {
      this.problem(hook, '', undefined, `threw: ${(e as Error).message}`, `fix ${this.className}.${hook}()`);
      return fallback;
    }
  }
}
