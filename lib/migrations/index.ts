import { RunlaneInit1733400000000 } from './1733400000000-runlane-init.migration.js';

/** Runlane's migrations, in order, for a DataSource's `migrations` option. */
export const runlaneMigrations = [RunlaneInit1733400000000];

export { RunlaneInit1733400000000 };
