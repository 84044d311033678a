/**
 * A java `@argfile`: one argument per line. Arguments with whitespace or `#` (which starts a
 * comment in argfiles) are quoted, so paths with spaces survive.
 */
export function renderArgFile(header: string, args: readonly string[]): string {
  const lines = args.map((arg) =>
    /[\s#"']/.test(arg) ? `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : arg,
  );
  return `# ${header}\n${lines.join('\n')}\n`;
}
