/**
 * `${VAR}` / `${VAR:-default}` placeholders in registry values (base URLs, model ids). They are
 * expanded in the worker at call time, so one registry serves workers whose local servers (or
 * simulator ports) differ.
 */

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const FORM = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

export class EnvTemplateError extends Error {}

/** Names the first malformed placeholder of a template, or returns undefined when all are well formed. */
export function templateProblem(template: string): string | undefined {
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!FORM.test(m[1])) return `malformed placeholder '${m[0]}' (use \${NAME} or \${NAME:-default})`;
  }
  const stripped = template.replace(PLACEHOLDER, '');
  if (stripped.includes('${')) return `unclosed placeholder in '${template}'`;
  return undefined;
}

/**
 * Expands placeholders from `env`. Like the shell, `:-` also applies the default when the variable
 * is set but empty. A variable with no default that is unset is an error naming it.
 */
export function expandEnvTemplate(template: string, env: NodeJS.ProcessEnv): string {
  const problem = templateProblem(template);
  if (problem) throw new EnvTemplateError(problem);
  return template.replace(PLACEHOLDER, (_whole, body: string) => {
    const [, name, fallback] = FORM.exec(body)!;
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new EnvTemplateError(`environment variable ${name} is not set (needed by '${template}')`);
  });
}

/** The template with every placeholder replaced by its default (or left empty): for validating shape at load time. */
export function expandDefaults(template: string): string {
  return template.replace(PLACEHOLDER, (_whole, body: string) => FORM.exec(body)?.[2] ?? '');
}
