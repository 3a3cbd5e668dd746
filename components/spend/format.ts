/** How the spend views write money, shares and changes (server and client alike). */

const usd2 = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * USD with 2 decimals, or 4 below a cent; a positive amount below $0.0001 is
 * "< $0.0001", never a misleading $0. The exact value goes in the CSV.
 */
export function formatSpendUsd(value: number): string {
  const abs = Math.abs(value);
  const sign = value < 0 ? "−" : "";
  if (abs === 0) return "$0.00";
  if (abs < 0.0001) return `${sign}< $0.0001`;
  if (abs < 0.01) return `${sign}$${abs.toFixed(4)}`;
  return `${sign}${usd2.format(abs)}`;
}

/** A cost that may leave out unpriced calls: "unpriced" when nothing was priced, "$x + unpriced" when some was not. */
export function formatSpendCost(costUsd: number, unpricedCalls: number): string {
  if (unpricedCalls === 0) return formatSpendUsd(costUsd);
  return costUsd > 0 ? `${formatSpendUsd(costUsd)} + unpriced` : "unpriced";
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** 0.1234 → "12.3 %"; null → "—". */
export function formatShare(share: number | null): string {
  if (share === null) return "—";
  const percent = share * 100;
  return `${percent > 0 && percent < 0.1 ? "< 0.1" : percent.toFixed(1)} %`;
}

/** "+$1.20 (+12.0 %)", "−$0.50 (−100.0 %)", "+$3.00 (new)", "no change". */
export function formatChange(deltaUsd: number, ratio: number | null): string {
  if (deltaUsd === 0) return "no change";
  const amount = `${deltaUsd > 0 ? "+" : ""}${formatSpendUsd(deltaUsd)}`;
  if (ratio === null) return `${amount} (new)`;
  const percent = ratio * 100;
  return `${amount} (${percent > 0 ? "+" : percent < 0 ? "−" : ""}${Math.abs(percent).toFixed(1)} %)`;
}
