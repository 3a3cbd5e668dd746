/**
 * What the demo agents do. Four teams, four agents, each with its tools,
 * prompts and models, and variants of a run: a clean run, a tool failure
 * followed by a retry, a fallback or a wrong inference, a loop, a stall, a
 * request for clearance, and runs whose text and outcome disagree. Long
 * (~570 lines) because it is data: the four agents' scripts, side by side.
 */
import type { Rng } from "./prng";
import { RunBuilder, type AgentDef, type ModelDef } from "./run-builder";

export const VARIANTS = [
  "normal",
  "retry",
  "fallback",
  "wrong_inference",
  "loop",
  "stalled",
  "escalation_approved",
  "escalation_rejected",
  "escalation_pending",
  "good_text_bad_outcome",
  "bad_text_good_outcome",
] as const;
export type Variant = (typeof VARIANTS)[number];

export const AGENTS = {
  invoice: { name: "invoice-reconciler", team: "Finance Ops", version: "2.3.1" },
  supplier: { name: "supplier-negotiator", team: "Procurement", version: "1.8.0" },
  tickets: { name: "ticket-router", team: "Customer Support", version: "4.1.2" },
  kpi: { name: "kpi-monitor", team: "Operations", version: "0.9.4" },
} as const satisfies Record<string, AgentDef>;
export type AgentKey = keyof typeof AGENTS;

export const MODELS = {
  gpt4o: { request: "gpt-4o", response: "gpt-4o-2024-08-06", provider: "openai" },
  gpt4oMini: { request: "gpt-4o-mini", response: "gpt-4o-mini-2024-07-18", provider: "openai" },
  gpt41Mini: { request: "gpt-4.1-mini", response: "gpt-4.1-mini-2025-04-14", provider: "openai" },
  o4Mini: { request: "o4-mini", response: "o4-mini-2025-04-16", provider: "openai" },
  sonnet35: { request: "claude-3-5-sonnet-20241022", response: "claude-3-5-sonnet-20241022", provider: "anthropic" },
  sonnet4: { request: "claude-sonnet-4-20250514", response: "claude-sonnet-4-20250514", provider: "anthropic" },
  haiku35: { request: "claude-3-5-haiku-20241022", response: "claude-3-5-haiku-20241022", provider: "anthropic" },
  geminiFlash: { request: "gemini-2.0-flash", response: "gemini-2.0-flash-001", provider: "gcp.gemini" },
  geminiPro: { request: "gemini-2.5-pro", response: "gemini-2.5-pro", provider: "gcp.gemini" },
  /** Self-hosted and deliberately absent from the price table: shows as unpriced, never $0. */
  inHouse: { request: "acme-ops-llm-13b", response: "acme-ops-llm-13b", provider: "vllm" },
} as const satisfies Record<string, ModelDef>;

/** Public example IBANs with valid check digits, so redaction (when on) recognises them. */
const SUPPLIERS = [
  { id: "SUP-10482", name: "Nordic Metalworks AB", contact: "Lars Østergaard", email: "orders@nordic-metalworks.se", phone: "+46 8 555 019 24", iban: "SE45 5000 0000 0583 9825 7466" },
  { id: "SUP-20117", name: "Rheinland Verpackung GmbH", contact: "Anke Vogel", email: "a.vogel@rheinland-verpackung.de", phone: "+49 221 555 0173", iban: "DE89 3704 0044 0532 0130 00" },
  { id: "SUP-30559", name: "Iberia Componentes S.L.", contact: "Javier Ortega", email: "jortega@iberiacomp.es", phone: "+34 91 555 0142", iban: "ES91 2100 0418 4502 0005 1332" },
  { id: "SUP-41230", name: "Polska Elektronika Sp. z o.o.", contact: "Marta Kowalska", email: "zamowienia@polska-elektronika.pl", phone: "+48 22 555 0190", iban: "PL61 1090 1014 0000 0712 1981 2874" },
  { id: "SUP-50873", name: "Brightline Logistics Ltd", contact: "Owen Price", email: "owen.price@brightline-logistics.co.uk", phone: "+44 20 7946 0958", iban: "GB82 WEST 1234 5698 7654 32" },
  { id: "SUP-61904", name: "Van Dijk Kunststoffen B.V.", contact: "Sanne van Dijk", email: "inkoop@vandijk-kunststof.nl", phone: "+31 20 555 0117", iban: "NL91 ABNA 0417 1643 00" },
] as const;

const CUSTOMERS = [
  { name: "Priya Raman", email: "priya.raman@gmail.com", phone: "(415) 555-0132" },
  { name: "Tom Becker", email: "t.becker@posteo.de", phone: "+49 30 555 01234" },
  { name: "Chloé Martin", email: "chloe.martin@orange.fr", phone: "+33 1 55 50 12 34" },
  { name: "Daniel Okafor", email: "d.okafor@outlook.com", phone: "212-555-0187" },
  { name: "Yuki Tanaka", email: "yuki.tanaka@example.jp", phone: "+81 3 5550 1234" },
  { name: "Sofia Rossi", email: "sofia.rossi@libero.it", phone: "+39 06 5550 1234" },
] as const;

const TICKET_TOPICS = [
  { category: "billing", queue: "billing-l2", text: "I was charged twice for order {order}. The second charge of €{amount} appeared on my statement yesterday. Please refund it.", priority: "P2" },
  { category: "delivery", queue: "logistics-l1", text: "My order {order} was supposed to arrive last Tuesday and tracking has not moved for 5 days. Where is my parcel?", priority: "P3" },
  { category: "technical", queue: "tech-support-l1", text: "The mobile app crashes every time I open the invoices tab (iOS 18, app version 6.4.1). Reinstalling did not help.", priority: "P2" },
  { category: "account", queue: "accounts-l1", text: "I can't log in since I changed my e-mail address. Password reset mails never arrive.", priority: "P2" },
  { category: "returns", queue: "returns-l1", text: "The drill I received with order {order} is missing the battery pack. I'd like a replacement or a refund of €{amount}.", priority: "P3" },
  { category: "cancellation", queue: "retention", text: "Please cancel my subscription at the end of this month. The price increase is too much for us.", priority: "P3" },
] as const;

const KPIS = [
  { metric: "order_fulfilment_rate", unit: "%", normal: 97.8, bad: 88.4, service: "fulfilment-api", region: "eu-west-1" },
  { metric: "checkout_p95_latency_ms", unit: "ms", normal: 420, bad: 2380, service: "checkout", region: "us-east-1" },
  { metric: "payment_auth_success_rate", unit: "%", normal: 99.2, bad: 93.1, service: "payments-gateway", region: "eu-central-1" },
  { metric: "warehouse_pick_backlog", unit: "orders", normal: 310, bad: 2140, service: "wms-sync", region: "eu-west-1" },
] as const;

const money = (n: number) => n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The prompt version in use: a new version rolls out at `rollout` (0..1 of the demo period). */
function promptVersion(progress: number, rollout: number, before: number): number {
  return progress < rollout ? before : before + 1;
}

export interface ScenarioContext {
  rng: Rng;
  run: RunBuilder;
  variant: Variant;
  /** 0 at the start of the demo period, 1 at its end: prompt and model rollouts follow it. */
  progress: number;
}

type Flow = (ctx: ScenarioContext) => void;

// ───────────── Finance Ops: invoice reconciliation against the ERP ─────────────

const invoiceFlow: Flow = ({ rng, run, variant, progress }) => {
  const supplier = rng.pick(SUPPLIERS);
  const invoice = `INV-2025-${String(rng.int(10_000, 99_999))}`;
  const po = `PO-${rng.int(450_000, 459_999)}`;
  const poAmount = rng.int(1_200, 48_000) + rng.int(0, 99) / 100;
  const bigDelta = variant.startsWith("escalation");
  const delta = bigDelta ? rng.int(5_200, 14_000) + 0.5 : rng.chance(0.5) ? 0 : Math.round(poAmount * rng.int(5, 45)) / 1000;
  const invoiceAmount = Math.round((poAmount + delta) * 100) / 100;
  const version = promptVersion(progress, 0.55, 3);
  const prompt = { name: "invoice-reconcile", version };
  const extract = { name: "invoice-extract", version: 2 };

  run.llm({
    model: MODELS.gpt4oMini,
    prompt: extract,
    system: "Extract supplier, invoice number, PO number, currency, net and gross amounts and bank details from the invoice. Answer JSON only.",
    user: `Invoice from ${supplier.name} (${supplier.email}, tel. ${supplier.phone})\nInvoice no. ${invoice}, your order ${po}\nTotal due: EUR ${money(invoiceAmount)}\nPay to IBAN ${supplier.iban} within 30 days.`,
    contextTokens: rng.around(900, 300, 200),
    output: JSON.stringify({ supplierId: supplier.id, invoiceNumber: invoice, poNumber: po, currency: "EUR", gross: invoiceAmount, iban: supplier.iban }),
    temperature: 0,
  });

  const lookupArgs = { invoiceNumber: invoice, supplierId: supplier.id };
  const found = { invoiceNumber: invoice, status: "open", amount: invoiceAmount, currency: "EUR", poNumber: po, receivedAt: "2025-11-03" };
  if (variant === "retry") {
    run.tool("erp.lookup_invoice", lookupArgs, { error: { type: "TimeoutError", message: "ERP gateway timed out after 30000 ms (sap-prod-02)" } }, 30_000);
    run.wait(2_000 * rng.int(1, 3));
    run.tool("erp.lookup_invoice", lookupArgs, { result: found });
  } else if (variant === "fallback") {
    run.tool("erp.lookup_invoice", lookupArgs, { error: { type: "HTTP 503", message: "ERP invoice API unavailable (503 Service Unavailable from sap-prod-01)" } });
    run.tool("erp.search_invoices", { supplierId: supplier.id, amountFrom: invoiceAmount - 1, amountTo: invoiceAmount + 1 }, { result: { total: 1, items: [found] } });
  } else if (variant === "wrong_inference") {
    run.tool("erp.lookup_invoice", { invoiceNumber: invoice.replace("INV-2025-", "INV-2025-0"), supplierId: supplier.id }, {
      error: { type: "NotFound", message: `No invoice ${invoice.replace("INV-2025-", "INV-2025-0")} for supplier ${supplier.id}` },
    });
    run.llm({
      model: MODELS.gpt4o,
      prompt,
      system: "You reconcile supplier invoices with purchase orders and goods receipts. Follow the tolerance policy.",
      user: `erp.lookup_invoice answered 404 for ${invoice}. Decide what to do.`,
      contextTokens: rng.around(1_800, 400, 400),
      cachedShare: 0.5,
      output: `The invoice ${invoice} does not exist in the ERP, so the document we received is most likely a duplicate or fraudulent submission. I will reject it and notify the supplier.`,
    });
    run.decision({
      topic: "invoice handling",
      chosen: "reject_as_duplicate",
      rationale: "ERP has no record of the invoice number; unknown invoices are treated as duplicates.",
      alternatives: [
        { action: "search_by_amount", reason: "Could find the invoice under a differently formatted number" },
        { action: "hold_for_review", reason: "A clerk checks the document" },
      ],
      confidence: 0.62,
    });
    run.tool("email.send", { to: supplier.email, subject: `Invoice ${invoice} rejected`, body: "We could not match your invoice and have rejected it as a duplicate." }, { result: { messageId: `<${rng.hex(8)}@mail.acme.example>` } });
    run.finish("failure", `Valid invoice ${invoice} rejected: the lookup used a wrongly zero-padded number. Supplier escalated to AP; late-payment fee €${money(invoiceAmount * 0.01)}.`);
    return;
  } else {
    run.tool("erp.lookup_invoice", lookupArgs, { result: found });
  }

  run.tool("erp.lookup_purchase_order", { poNumber: po }, {
    result: { poNumber: po, supplierId: supplier.id, amount: poAmount, currency: "EUR", lines: rng.int(1, 12), goodsReceipt: "complete" },
  });

  const tolerance = poAmount * 0.05;
  const good = variant !== "bad_text_good_outcome";
  run.llm({
    model: MODELS.gpt4o,
    prompt,
    system: "You reconcile supplier invoices with purchase orders and goods receipts. Differences up to 5% (freight, rounding) may be adjusted; above that, ask for clearance.",
    user: `Invoice ${invoice}: EUR ${money(invoiceAmount)}. PO ${po}: EUR ${money(poAmount)}, goods receipt complete. Reconcile.`,
    contextTokens: rng.around(5_200, 1_500, 1_500),
    cachedShare: rng.chance(0.6) ? 0.6 : 0,
    output: good
      ? delta === 0
        ? `Invoice ${invoice} matches PO ${po} exactly (EUR ${money(poAmount)}) and the goods receipt is complete. Approving for payment.`
        : `Invoice ${invoice} exceeds PO ${po} by EUR ${money(delta)} (${((delta / poAmount) * 100).toFixed(1)}%). ${delta <= tolerance ? "Within the 5% tolerance for freight and rounding: posting an adjustment to cost centre 4410." : "Above the 5% tolerance: requesting clearance before posting the adjustment."}`
      : `diff ${money(delta)} ok?? posting adj. cc4410`,
  });

  if (delta === 0 && !bigDelta) {
    run.decision({
      topic: "invoice handling",
      chosen: "approve_as_is",
      rationale: "Amounts match to the cent and the goods receipt is complete.",
      alternatives: [{ action: "hold_for_review", reason: "Not needed: no difference" }],
      confidence: rng.int(92, 99) / 100,
    });
    run.tool("erp.approve_invoice", { invoiceNumber: invoice }, { result: { status: "approved_for_payment", paymentRun: "2025-W48" } });
    if (variant === "good_text_bad_outcome") {
      run.finish("failure", `Invoice ${invoice} paid twice: the same invoice had been approved manually the day before (ERP duplicate check disabled for ${supplier.id}).`);
    } else run.finish("success");
    return;
  }

  const adjustment = { invoiceNumber: invoice, amount: delta, currency: "EUR", reason: "freight and rounding difference", costCenter: "4410" };
  run.decision({
    topic: "invoice difference",
    chosen: "post_adjustment",
    rationale: bigDelta
      ? `Difference of EUR ${money(delta)} exceeds the 5% tolerance; the agent's authority is EUR 5,000.`
      : `Difference of EUR ${money(delta)} is ${((delta / poAmount) * 100).toFixed(1)}% of the PO, within the 5% freight tolerance.`,
    alternatives: [
      { action: "hold_for_review", reason: "Safer, but delays payment past the early-payment discount" },
      { action: "request_credit_note", reason: "Supplier must issue a credit note; typically 5–10 days" },
    ],
    confidence: bigDelta ? rng.int(55, 74) / 100 : rng.int(80, 95) / 100,
  });

  if (variant === "escalation_pending") {
    run.escalation({ tool: "erp.post_adjustment", arguments: adjustment, reason: `Adjustment of EUR ${money(delta)} exceeds the agent's EUR 5,000 authority.`, policy: "erp-adjustments-over-5000", risk: "high", status: "pending", waitMs: 0 });
    run.leaveOpen();
    return;
  }
  if (variant === "escalation_rejected") {
    run.escalation({ tool: "erp.post_adjustment", arguments: adjustment, reason: `Adjustment of EUR ${money(delta)} exceeds the agent's EUR 5,000 authority.`, policy: "erp-adjustments-over-5000", risk: "high", status: "rejected", decidedBy: "compliance@flightdeck.local", comment: "Ask the supplier for a credit note instead.", waitMs: rng.int(4, 50) * 60_000 });
    run.tool("email.send", { to: supplier.email, subject: `Credit note needed for ${invoice}`, body: `Your invoice exceeds our order ${po} by EUR ${money(delta)}. Please send a credit note.` }, { result: { messageId: `<${rng.hex(8)}@mail.acme.example>` } });
    run.finish("success", "Adjustment refused by compliance; credit note requested from the supplier.");
    return;
  }
  if (variant === "escalation_approved") {
    run.escalation({ tool: "erp.post_adjustment", arguments: adjustment, reason: `Adjustment of EUR ${money(delta)} exceeds the agent's EUR 5,000 authority.`, policy: "erp-adjustments-over-5000", risk: "high", status: "approved", decidedBy: "compliance@flightdeck.local", comment: "Freight surcharge confirmed by procurement.", waitMs: rng.int(3, 40) * 60_000 });
  }
  run.tool("erp.post_adjustment", adjustment, { result: { documentNumber: `5100${rng.int(100_000, 999_999)}`, status: "posted" } });
  if (variant === "good_text_bad_outcome") {
    run.finish("failure", `Adjustment of EUR ${money(delta)} posted to cost centre 4410 instead of 4420 (freight); AP reversed it manually.`);
  } else run.finish("success");
};

// ───────────── Procurement: supplier delivery negotiation by e-mail ─────────────

const supplierFlow: Flow = ({ rng, run, variant, progress }) => {
  const supplier = rng.pick(SUPPLIERS);
  const po = `PO-${rng.int(450_000, 459_999)}`;
  const delayDays = rng.int(4, 21);
  const model = progress < 0.4 ? MODELS.sonnet35 : MODELS.sonnet4;
  const prompt = { name: "supplier-negotiation", version: promptVersion(progress, 0.4, 2) };
  const inbox = { mailbox: "procurement@acme.example", from: supplier.email, unreadOnly: true };
  const supplierMail = `Dear procurement team,\nunfortunately order ${po} will ship ${delayDays} days late because of a raw material shortage. We can deliver 60% of the quantity on time.\nBest regards, ${supplier.contact}, ${supplier.name}, ${supplier.phone}`;

  if (variant === "loop") {
    // Waits for the supplier's answer by polling the inbox with the same arguments, again and again.
    run.tool("email.send", { to: supplier.email, subject: `Re: ${po} delivery date`, body: "Can you confirm a partial delivery of 60% this week?" }, { result: { messageId: `<${rng.hex(8)}@mail.acme.example>` } });
    const polls = rng.int(5, 8);
    for (let i = 0; i < polls; i++) {
      run.wait(rng.int(50, 70) * 1_000);
      run.tool("email.read_inbox", inbox, { result: { messages: [], checkedAt: new Date(run.now).toISOString() } });
      run.llm({
        model,
        prompt,
        system: "You negotiate delivery dates with suppliers by e-mail on behalf of procurement.",
        user: "No reply from the supplier yet. What next?",
        contextTokens: rng.around(1_500, 200, 800) + i * 350,
        cachedShare: 0.7,
        output: { toolCall: { name: "email.read_inbox", arguments: inbox } },
      });
    }
    run.finish("failure", `Polled the inbox ${polls} times without an answer; PO ${po} slipped without a decision.`);
    return;
  }

  run.tool("email.read_inbox", inbox, { result: { messages: [{ from: supplier.email, subject: `Delay: ${po}`, body: supplierMail }] } });
  run.tool("erp.lookup_purchase_order", { poNumber: po }, { result: { poNumber: po, supplierId: supplier.id, needBy: "2025-12-05", quantity: rng.int(200, 5_000), critical: rng.chance(0.4) } });
  const chosen = delayDays > 10 ? "propose_split_delivery" : "accept_delay";
  run.decision({
    topic: "supplier delay",
    chosen,
    rationale: delayDays > 10 ? `A ${delayDays}-day delay would stop line 3; 60% on time covers two weeks of production.` : `A ${delayDays}-day delay is covered by safety stock.`,
    alternatives: [
      { action: "accept_delay", reason: "No cost, but risks a line stop" },
      { action: "propose_split_delivery", reason: "Extra freight of about EUR 850" },
      { action: "switch_supplier", reason: "Qualified alternative exists, 3 weeks lead time" },
    ],
    confidence: rng.int(70, 92) / 100,
  });
  const reply =
    variant === "bad_text_good_outcome"
      ? `hi, ok w/ 60% now rest later. pls confirm asap. thx`
      : `Dear ${supplier.contact},\nthank you for letting us know. To keep our production running, please ship the available 60% of ${po} on the original date and the remainder within ${delayDays} days. We will cover the additional freight. Could you confirm by Friday?\nKind regards, Procurement, ACME`;
  run.llm({
    model,
    prompt,
    system: "You negotiate delivery dates with suppliers by e-mail on behalf of procurement. Be polite and precise; never commit to price changes.",
    user: `Supplier mail:\n${supplierMail}\nDecision: ${chosen}. Draft the reply.`,
    contextTokens: rng.around(2_800, 900, 600),
    cachedShare: rng.chance(0.5) ? 0.4 : 0,
    output: reply,
    temperature: 0.4,
  });
  const send = { to: supplier.email, subject: `Re: Delay: ${po}`, body: reply };
  if (variant === "retry" || variant === "fallback") {
    run.tool("email.send", send, { error: { type: "SMTP 451", message: "451 4.7.1 Greylisted, please try again later" } });
    if (variant === "retry") {
      run.wait(rng.int(60, 300) * 1_000);
      run.tool("email.send", send, { result: { messageId: `<${rng.hex(8)}@mail.acme.example>` } });
    } else {
      run.tool("erp.lookup_supplier", { supplierId: supplier.id }, { result: { alternateContact: `backoffice@${supplier.email.split("@")[1]}` } });
      run.tool("email.send", { ...send, to: `backoffice@${supplier.email.split("@")[1]}` }, { result: { messageId: `<${rng.hex(8)}@mail.acme.example>` } });
    }
  } else if (variant === "wrong_inference") {
    run.tool("email.send", send, { error: { type: "SMTP 550", message: "550 5.1.1 Mailbox full" } });
    run.llm({
      model,
      prompt,
      system: "You negotiate delivery dates with suppliers by e-mail on behalf of procurement.",
      user: "email.send failed with 550 5.1.1 Mailbox full. What next?",
      contextTokens: rng.around(1_400, 200, 600),
      output: "The supplier's mailbox no longer exists, which suggests the supplier has ceased trading. I will mark the order at risk and start switching supplier.",
    });
    run.tool("erp.flag_purchase_order", { poNumber: po, flag: "supplier_inactive" }, { result: { ok: true } });
    run.finish("failure", `Supplier ${supplier.name} wrongly flagged inactive after a full mailbox; buyer had to undo the flag and re-send.`);
    return;
  } else {
    run.tool("email.send", send, { result: { messageId: `<${rng.hex(8)}@mail.acme.example>` } });
  }
  if (variant === "good_text_bad_outcome") {
    run.finish("failure", "The polished reply committed to covering freight for the whole order (EUR 4,300), beyond procurement's policy.");
    return;
  }
  run.finish("success", chosen === "propose_split_delivery" ? "Split delivery agreed; line 3 kept running." : undefined);
};

// ───────────── Customer Support: ticket routing ─────────────

const ticketFlow: Flow = ({ rng, run, variant, progress }) => {
  const customer = rng.pick(CUSTOMERS);
  const topic = rng.pick(TICKET_TOPICS);
  const ticketId = `TCK-${rng.int(80_000, 99_999)}`;
  const order = `ORD-2025-${rng.int(100_000, 999_999)}`;
  const body = topic.text.replace("{order}", order).replace("{amount}", money(rng.int(19, 480)));
  const model = progress < 0.5 ? MODELS.gpt4oMini : MODELS.gpt41Mini;
  const prompt = { name: "ticket-triage", version: promptVersion(progress, 0.5, 5) };
  const ticketText = `From: ${customer.name} <${customer.email}>, phone ${customer.phone}\n${body}`;

  if (rng.chance(0.35)) {
    run.llm({
      model: MODELS.geminiFlash,
      prompt: { name: "language-detect", version: 1 },
      system: "Detect the language of the ticket. Answer with an ISO 639-1 code.",
      user: ticketText,
      output: "en",
      temperature: 0,
    });
  }
  run.llm({
    model,
    prompt,
    system: "Classify support tickets into billing, delivery, technical, account, returns or cancellation, with a priority P1–P4. Answer JSON.",
    user: ticketText,
    contextTokens: rng.around(600, 150, 100),
    cachedShare: 0.5,
    output: JSON.stringify({ category: topic.category, priority: topic.priority, confidence: 0.9 }),
    temperature: 0,
  });
  const classifyArgs = { ticketId, category: topic.category, priority: topic.priority };
  if (variant === "wrong_inference") {
    run.tool("tickets.classify", classifyArgs, { error: { type: "HTTP 422", message: `Unknown category '${topic.category}' for project SUPPORT-EU (expected one of: billing, shipping, tech, account)` } });
    run.llm({
      model,
      prompt,
      system: "Classify support tickets. Answer JSON.",
      user: "tickets.classify rejected the category. Decide.",
      output: "The ticket system rejected the category, so the ticket is probably spam or malformed. Closing it as spam.",
    });
    run.decision({
      topic: "ticket routing",
      chosen: "close_as_spam",
      rationale: "Classification rejected by the ticket system.",
      alternatives: [{ action: "map_category", reason: `Map '${topic.category}' to the project's own names` }, { action: "route_to_human", reason: "Default queue" }],
      confidence: 0.51,
    });
    run.tool("tickets.close", { ticketId, reason: "spam" }, { result: { status: "closed" } });
    run.finish("failure", `Genuine ${topic.category} ticket from ${customer.name} closed as spam; customer complained on social media.`);
    return;
  }
  run.tool("tickets.classify", classifyArgs, { result: { ticketId, labels: [topic.category, topic.priority] } });
  run.decision({
    topic: "ticket routing",
    chosen: `assign:${topic.queue}`,
    rationale: `Category ${topic.category} with priority ${topic.priority} belongs to ${topic.queue}.`,
    alternatives: [
      { action: "assign:general-l1", reason: "Default queue, slower" },
      { action: "auto_reply", reason: "Only for FAQs with a known answer" },
    ],
    confidence: rng.int(78, 97) / 100,
  });
  const assign = { ticketId, queue: topic.queue, priority: topic.priority };
  if (variant === "retry") {
    run.tool("tickets.assign", assign, { error: { type: "HTTP 429", message: "Rate limit exceeded: 120 requests per minute" } });
    run.wait(rng.int(2, 10) * 1_000);
    run.tool("tickets.assign", assign, { result: { ticketId, queue: topic.queue, position: rng.int(1, 40) } });
  } else if (variant === "fallback") {
    run.tool("tickets.assign", assign, { error: { type: "HTTP 409", message: `Queue ${topic.queue} is paused (out of office hours)` } });
    run.tool("tickets.assign", { ...assign, queue: "general-l1" }, { result: { ticketId, queue: "general-l1", position: rng.int(1, 80) } });
  } else {
    run.tool("tickets.assign", assign, { result: { ticketId, queue: topic.queue, position: rng.int(1, 40) } });
  }
  const ack =
    variant === "bad_text_good_outcome"
      ? `cat=${topic.category} prio=${topic.priority.toLowerCase()} -> ${topic.queue}. ack sent`
      : `Hello ${customer.name.split(" ")[0]}, thank you for contacting us. Your request ${ticketId} has been passed to our ${topic.category} team, who will get back to you within one business day.`;
  run.llm({
    model,
    prompt: { name: "ticket-acknowledge", version: 3 },
    system: "Write a short, friendly acknowledgement to the customer.",
    user: `Ticket ${ticketId} routed to ${topic.queue}. Customer: ${customer.name}.`,
    output: ack,
    temperature: 0.5,
  });
  if (variant === "good_text_bad_outcome") {
    run.finish("failure", `Promised a reply within one business day, but ${topic.queue} had a 4-day backlog; ticket breached its SLA.`);
    return;
  }
  run.finish("success");
};

// ───────────── Operations: KPI monitoring with corrective actions ─────────────

const kpiFlow: Flow = ({ rng, run, variant, progress }) => {
  const kpi = rng.pick(KPIS);
  const unhealthy = variant !== "normal" || rng.chance(0.3);
  const value = unhealthy ? kpi.bad : kpi.normal;
  const query = { metric: kpi.metric, window: "15m", region: kpi.region, aggregation: "avg" };
  // The in-house model (unpriced) does the first read; a hosted model the analysis.
  const analyst = progress < 0.3 ? MODELS.geminiPro : rng.chance(0.5) ? MODELS.o4Mini : MODELS.geminiPro;
  const prompt = { name: "kpi-triage", version: promptVersion(progress, 0.3, 1) };

  if (variant === "retry" || variant === "fallback") {
    run.tool("metrics.query", query, { error: { type: "TimeoutError", message: "Prometheus query exceeded 10s (range too large)" } }, 10_000);
    if (variant === "retry") run.tool("metrics.query", { ...query, window: "5m" }, { result: { value, unit: kpi.unit, samples: 30 } });
    else run.tool("metrics.query_cached", { metric: kpi.metric, region: kpi.region }, { result: { value, unit: kpi.unit, ageSeconds: 240 } });
  } else if (variant === "wrong_inference") {
    run.tool("metrics.query", query, { result: { value: null, unit: kpi.unit, samples: 0, note: "no data points in window" } });
  } else if (variant === "stalled") {
    run.tool("metrics.query", query, { result: { value, unit: kpi.unit, samples: 60 } });
  } else {
    run.tool("metrics.query", query, { result: { value, unit: kpi.unit, samples: 60 } });
  }

  run.llm({
    model: MODELS.inHouse,
    prompt: { name: "kpi-summarise", version: 1 },
    system: "Summarise the metric reading for the on-call engineer in one sentence.",
    user: `${kpi.metric} over 15m in ${kpi.region}: ${variant === "wrong_inference" ? "no data" : `${value} ${kpi.unit}`} (baseline ${kpi.normal} ${kpi.unit}).`,
    contextTokens: rng.around(300, 80, 50),
    output:
      variant === "wrong_inference"
        ? `${kpi.metric} dropped to zero: traffic in ${kpi.region} appears to have stopped completely.`
        : unhealthy
          ? `${kpi.metric} is at ${value} ${kpi.unit} against a baseline of ${kpi.normal} ${kpi.unit}: degraded.`
          : `${kpi.metric} is normal at ${value} ${kpi.unit}.`,
  });

  if (variant === "stalled") {
    // The agent asked its analyst model and never came back: no further spans, no end.
    run.llm({
      model: analyst,
      prompt,
      system: "You are an SRE assistant. Decide whether a KPI deviation needs an incident, and which corrective action is safe.",
      user: `${kpi.metric}=${value}${kpi.unit} (baseline ${kpi.normal}). Recent deploys: ${kpi.service} v${rng.int(40, 60)}.${rng.int(0, 9)} 25 min ago.`,
      contextTokens: rng.around(5_000, 1_500, 1_500),
      output: { toolCall: { name: "deploys.diff", arguments: { service: kpi.service, last: 2 } } },
    });
    run.tool("deploys.diff", { service: kpi.service, last: 2 }, { result: { changedFiles: rng.int(3, 40) } }, rng.int(500, 2_000));
    run.leaveOpen();
    return;
  }

  if (!unhealthy) {
    run.decision({
      topic: "kpi deviation",
      chosen: "no_action",
      rationale: `${kpi.metric} within 2% of baseline.`,
      alternatives: [{ action: "open_incident", reason: "Not warranted" }],
      confidence: rng.int(90, 99) / 100,
    });
    run.finish("success");
    return;
  }

  run.llm({
    model: analyst,
    prompt,
    system: "You are an SRE assistant. Decide whether a KPI deviation needs an incident, and which corrective action is safe.",
    user: `${kpi.metric}=${variant === "wrong_inference" ? "no data" : `${value}${kpi.unit}`} (baseline ${kpi.normal}). Recent deploys: ${kpi.service} 25 min ago.`,
    contextTokens: rng.around(6_400, 2_000, 1_500),
    cachedShare: rng.chance(0.4) ? 0.3 : 0,
    output:
      variant === "bad_text_good_outcome"
        ? `sev2?? prob deploy. rollback ${kpi.service}`
        : variant === "wrong_inference"
          ? `Traffic in ${kpi.region} has stopped entirely. This is a full outage: open a SEV1 and page the incident commander.`
          : `The deviation started minutes after the ${kpi.service} deploy. Open a SEV2 incident and roll back ${kpi.service} to the previous version; the rollback is low-risk and reversible.`,
    temperature: 0.1,
  });

  const severity = variant === "wrong_inference" ? "SEV1" : "SEV2";
  run.decision({
    topic: "corrective action",
    chosen: variant === "wrong_inference" ? "open_incident_sev1" : `rollback:${kpi.service}`,
    rationale:
      variant === "wrong_inference"
        ? "No data points means no traffic."
        : `Deviation began within 5 minutes of the ${kpi.service} deploy; rollback is the fastest safe fix.`,
    alternatives: [
      { action: "watch_15m", reason: "Cheaper, but customers are affected now" },
      { action: `scale:${kpi.service}`, reason: "Helps only if the cause is load" },
    ],
    confidence: variant === "wrong_inference" ? 0.58 : rng.int(72, 90) / 100,
  });
  run.tool("actions.open_incident", { severity, service: kpi.service, title: `${kpi.metric} degraded in ${kpi.region}` }, { result: { incidentId: `INC-${rng.int(4_000, 9_999)}`, paged: severity === "SEV1" ? "incident-commander" : "oncall-sre" } });
  if (variant === "wrong_inference") {
    run.finish("failure", `False SEV1: the metrics pipeline lagged (no samples), traffic was normal; 14 people paged at night.`);
    return;
  }
  const rollback = { service: kpi.service, toVersion: "previous", region: kpi.region };
  if (variant.startsWith("escalation")) {
    const status = variant === "escalation_approved" ? "approved" : variant === "escalation_rejected" ? "rejected" : "pending";
    run.escalation({
      tool: "actions.rollback_deploy",
      arguments: rollback,
      reason: `Rollbacks of ${kpi.service} in production need clearance (customer-facing).`,
      policy: "prod-rollbacks",
      risk: "medium",
      status,
      decidedBy: status === "pending" ? undefined : "compliance@flightdeck.local",
      comment: status === "rejected" ? "Fix forward: the deploy contains a schema migration." : status === "approved" ? "Go ahead." : undefined,
      waitMs: rng.int(2, 20) * 60_000,
    });
    if (status === "pending") {
      run.leaveOpen();
      return;
    }
    if (status === "rejected") {
      run.finish("unknown", "Rollback refused; incident handed to the service team.");
      return;
    }
  }
  run.tool("actions.rollback_deploy", rollback, { result: { status: "rolled_back", durationSeconds: rng.int(40, 180) } }, rng.int(40_000, 180_000));
  run.tool("metrics.query", { ...query, window: "5m" }, { result: { value: kpi.normal, unit: kpi.unit, samples: 30 } });
  if (variant === "good_text_bad_outcome") {
    run.finish("failure", `Rolled back ${kpi.service}, but the cause was an upstream provider; the rollback removed a needed fix and lengthened the incident by 40 min.`);
    return;
  }
  run.finish("success", `${kpi.metric} back to baseline after rollback.`);
};

export const FLOWS: Record<AgentKey, Flow> = {
  invoice: invoiceFlow,
  supplier: supplierFlow,
  tickets: ticketFlow,
  kpi: kpiFlow,
};

/** Which agents can show each variant (the loop is the supplier's inbox polling; the stall is the KPI monitor hanging). */
export const VARIANT_AGENTS: Record<Variant, readonly AgentKey[]> = {
  normal: ["invoice", "supplier", "tickets", "kpi"],
  retry: ["invoice", "supplier", "tickets", "kpi"],
  fallback: ["invoice", "supplier", "tickets", "kpi"],
  wrong_inference: ["invoice", "supplier", "tickets", "kpi"],
  loop: ["supplier"],
  stalled: ["kpi"],
  escalation_approved: ["invoice", "kpi"],
  escalation_rejected: ["invoice", "kpi"],
  escalation_pending: ["invoice", "kpi"],
  good_text_bad_outcome: ["invoice", "supplier", "tickets", "kpi"],
  bad_text_good_outcome: ["invoice", "supplier", "tickets", "kpi"],
};
