// Types of test-logs.js (plain JS: the summary reporter loads it without a transform).
export declare const LOG_DIR: string;
export declare function logFileFor(testPath: string | undefined): string | undefined;
