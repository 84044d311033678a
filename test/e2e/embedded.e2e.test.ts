import { describePipelineE2E } from './pipeline.e2e.js';
import { tempDataDir } from '../support/server-process.js';

describePipelineE2E('embedded (SQLite log and store)', async () => ({ DATA_DIR: tempDataDir() }));
