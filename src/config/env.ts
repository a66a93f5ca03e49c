/** The process environment as the package reads it: never written to. */
export type Env = Readonly<Record<string, string | undefined>>;
