/** The app's version, recorded in every run.json (keep in step with package.json). */
export const APP_VERSION = '0.1.0';
