/** The package version, reported as the meter and tracer version. Kept equal to package.json by a test. */
export const VERSION = '0.1.0';
