/**
 * The example's setup against the console, outside what an agent does: a
 * clearance policy for its payments (so the run waits for a person), and the
 * link to the run once its spans arrived. Uses the admin scope of the key.
 */
export const policyName = (agent: string) => `Example agent ${agent}: invoice payments over 10,000`;

export async function ensurePolicy(baseUrl: string, apiKey: string, agent: string): Promise<void> {
  const POLICY_NAME = policyName(agent);
  const headers = { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" };
  const list = await fetch(`${baseUrl}/api/v1/policies`, { headers, signal: AbortSignal.timeout(10_000) });
  if (!list.ok) {
    console.warn(`Could not list policies (${list.status}); a payment is cleared only if a policy already asks for it.`);
    return;
  }
  const { data } = (await list.json()) as { data: { name: string }[] };
  if (data.some((p) => p.name === POLICY_NAME)) return;
  const created = await fetch(`${baseUrl}/api/v1/policies`, {
    method: "POST",
    headers,
    body: JSON.stringify({ name: POLICY_NAME, agent, toolPattern: "erp.pay*", argument: "amount", threshold: 10_000, slaMinutes: 30, reason: "Set up by the example agent." }),
    signal: AbortSignal.timeout(10_000),
  });
  if (created.status === 201) console.log(`Added the policy “${POLICY_NAME}”.`);
  else if (created.status === 202) console.log(`Proposed the policy “${POLICY_NAME}”: it applies once approved under Changes.`);
  else console.warn(`Could not add the policy (${created.status}): ${await created.text()}`);
}

/** The run's page, once ingestion has stored the trace (a few tries). */
export async function runLink(baseUrl: string, apiKey: string, traceId: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const response = await fetch(`${baseUrl}/api/v1/runs?traceId=${traceId}`, { headers: { Authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(10_000) });
    if (response.ok) {
      const { data } = (await response.json()) as { data: { id: string }[] };
      if (data[0]) return `${baseUrl}/runs/${data[0].id}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return `${baseUrl}/runs (trace ${traceId})`;
}
