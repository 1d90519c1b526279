// How the program's errors reach the person running `pulumi preview`/`up`: through the SDK's path for user errors
// (pulumi.RunError, whose message alone is printed), never as an "unhandled exception".
// Why: the SDK prints any other error with util.inspect(err, { colors: true }), and on Node 20.20 that loops over a
// source-mapped frame such as `node_modules/@pulumi/resource.ts:1:2` (a scoped path with no further `/`) until the
// string outgrows V8's limit: 45-120 s and about 3 GB before the message shows.
// RunError still passes the error through that formatter for the SDK's trace span unless it has no stack, so the
// error handed on has none.

import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigErrors } from "./errors.js";

/**
 * The error to hand the SDK for `e`: a bad config value (ConfigError/ConfigErrors) as its message alone, which names
 * the key; anything else (a defect) keeps its frames as text.
 */
export function userError(e: unknown): pulumi.RunError {
  const text =
    e instanceof ConfigError || e instanceof ConfigErrors ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
  const error = new pulumi.RunError(text);
  error.stack = undefined;
  return error;
}

/** Runs `program`, its errors reported through userError. */
export async function reportingErrors<T>(program: () => Promise<T>): Promise<T> {
  try {
    return await program();
  } catch (e) {
    throw userError(e);
  }
}
