// A thin client for Tolem's JSON API: errors come back as { error: { code, details } }.
export async function api(method, path, { body, headers = {}, idempotencyKey } = {}) {
  const init = { method, headers: { ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (idempotencyKey) init.headers['idempotency-key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    // No answer at all (offline, a dropped roaming connection): a refusal like any other, so that
    // every caller gives its button back and says so, instead of stopping half-way.
    return { ok: false, status: 0, code: 'network_error', details: {} };
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) return { ok: false, status: response.status, code: data?.error?.code ?? 'network_error', details: data?.error?.details ?? {} };
  return { ok: true, status: response.status, value: data };
}

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}
