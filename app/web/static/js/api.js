// Talking to the service: JSON in and out, every failure an Error carrying the problem document
// (RFC 9457) the service sent, so the page can say what went wrong, where, in plain words.

export class ProblemError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** [field, reason] pairs the problem names. */
  get fields() {
    return (this.problem.errors || []).map((e) => [e.field, e.reason]);
  }
}

/** fetch, then the body as JSON; a problem (or a network failure) is thrown as ProblemError. */
export async function fetchJson(url, options = {}) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ProblemError(0, { title: "No connection", detail: "the service could not be reached; check the connection and retry" });
  }
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json().catch(() => ({})) : {};
  if (!response.ok) {
    const fallback = { title: response.statusText, detail: `the service answered ${response.status} ${response.statusText}` };
    throw new ProblemError(response.status, type.includes("json") ? { ...fallback, ...body } : fallback);
  }
  return body;
}

// What validation messages mean to a dispatcher, by field (the service's words otherwise).
const FRIENDLY = [
  [/^(departure|destination)$/, /pattern/, "use a 4-letter ICAO code, e.g. UBBB"],
  [/^cruise_fl$/, /less than or equal/, "a flight level is at most 600"],
  [/^cruise_fl$/, /greater than or equal/, "a flight level is 0 or more"],
  [/^ground_speed_kt$/, /(less|greater) than/, "a ground speed from 30 to 2,000 kt"],
  [/^incident_radius_nm$/, /(less|greater) than/, "a radius from 1 to 250 NM"],
  [/^operator/, /pattern/, "use the 2-letter ISO code of the state, e.g. US"],
  [/./, /valid integer|valid number/, "a number, please"],
];

/** A reason as the page shows it. */
export function friendly(field, reason) {
  for (const [name, pattern, words] of FRIENDLY) {
    if (name.test(field) && pattern.test(reason)) return words;
  }
  return reason.replace(/^Value error, /, "");
}

/** Authorization for a key, when there is one. */
export function withKey(key, headers = {}) {
  return key ? { ...headers, Authorization: `Bearer ${key}` } : headers;
}
