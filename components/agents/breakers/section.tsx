// The agent page's breakers: each with its condition, mode, state and last events; create, edit, replay. (Being built.)
export async function BreakersSection(_props: { agent: { id: string; name: string }; canManage: boolean }) {
  return null;
}
