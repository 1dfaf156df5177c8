import { execFileSync } from 'node:child_process';

describe('the published package', () => {
  it('npm pack ships the compiled library with type declarations and nothing else', () => {
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--silent'], { encoding: 'utf8' }),
    );
    const files: string[] = pack.files.map((file: { path: string }) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'package.json',
        'README.md',
      ]),
    );
    expect(
      files.filter(
        (file) =>
          !file.startsWith('dist/lib/') && !['package.json', 'README.md', 'LICENSE'].includes(file),
      ),
    ).toEqual([]);
    expect(files.some((file) => file.includes('.spec.'))).toBe(false);
  });

  it('the entry point exposes the public API', async () => {
    const api = await import('../dist/lib/index.js' as string);
    for (const name of [
      'RunlaneModule',
      'RunlaneService',
      'Task',
      'Schedule',
      'task',
      'defineTask',
      'runlaneEntities',
      'runlaneMigrations',
      'NonRetryableError',
      'ManualClock',
    ]) {
      expect(api[name]).toBeDefined();
    }
  });
});
