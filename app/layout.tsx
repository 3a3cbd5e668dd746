import type { Metadata } from "next";
import localFont from "next/font/local";
import "./globals.css";

// Bundled from an npm package: no font CDN, so the console works air-gapped.
const inter = localFont({
  src: "../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2",
  variable: "--font-inter",
  display: "swap",
});

export const metadata: Metadata = {
  title: { default: "Flightdeck", template: "%s · Flightdeck" },
  description: "Operate LLM agents: prompts, spend, decision timelines, escalations and audited changes.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className={inter.variable}>
      <body className="font-sans">{children}</body>
    </html>
  );
}
