// Any path no console route claims. Without it Next answers with the root
// not-found page, prerendered at build time: its scripts carry no CSP nonce, so
// the browser blocks them. Here the 404 renders per request, inside the shell.
import { notFound } from "next/navigation";

export default function MissingPage(): never {
  notFound();
}
