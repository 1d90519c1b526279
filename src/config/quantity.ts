// Kubernetes resource quantities (`250m`, `2`, `1Gi`, `1e3`): checked and compared before anything reaches a cluster.
// The grammar is the API server's (k8s.io/apimachinery resource.Quantity), without signs: a request or a size is
// never negative.

const QUANTITY_RE = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX: Readonly<Record<string, number>> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** The quantity's value in base units (cores, bytes), or undefined when the text is not a quantity. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY_RE.exec(text);
  if (!match) return undefined;
  const [, number, suffix = ""] = match;
  const scale = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix]!;
  return Number(number) * scale;
}

export const QUANTITY_ALLOWED = "a Kubernetes quantity: a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, Ti, ...), e.g. 250m, 2, 512Mi, 10Gi";
