/**
 * Just enough OpenTelemetry for the unit tests to see what the SDK puts on the
 * active span: an AsyncLocalStorage context manager and a recording span that
 * keeps its attributes in a plain object.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager, type Span, type SpanContext } from "@opentelemetry/api";

class StorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

let installed = false;
export function installContextManager(): void {
  if (installed) return;
  installed = true;
  context.setGlobalContextManager(new StorageContextManager());
}

export interface RecordingSpan extends Span {
  attributes: Record<string, unknown>;
}

export function recordingSpan(traceId = "0af7651916cd43dd8448eb211c80319c", spanId = "b7ad6b7169203331"): RecordingSpan {
  const spanContext: SpanContext = { traceId, spanId, traceFlags: 1 };
  const span = {
    attributes: {} as Record<string, unknown>,
    spanContext: () => spanContext,
    setAttribute(key: string, value: unknown) {
      span.attributes[key] = value;
      return span;
    },
    setAttributes(attributes: Record<string, unknown>) {
      Object.assign(span.attributes, attributes);
      return span;
    },
    addEvent: () => span,
    addLink: () => span,
    addLinks: () => span,
    setStatus: () => span,
    updateName: () => span,
    end: () => undefined,
    isRecording: () => true,
    recordException: () => undefined,
  };
  return span as unknown as RecordingSpan;
}

/** Runs `fn` with `span` as the active span. */
export function withSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  installContextManager();
  return context.with(trace.setSpan(context.active(), span), fn);
}
