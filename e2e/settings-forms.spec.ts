import { expect, test } from "./fixtures";

test("a refused entry keeps what was typed; a saved one clears the form", async ({ asAdmin: page }) => {
  await page.goto("/settings");
  const form = page.getByRole("form", { name: "Add a user" });
  const email = `kept-${Date.now()}@example.com`;
  await form.getByLabel("E-mail").fill(email);
  await form.getByLabel("Name").fill("Kept Person");
  await form.getByLabel("Initial password").fill("short");
  // The browser's own minlength check would stop the submit; the server must say it too.
  await form.getByLabel("Initial password").evaluate((el) => el.removeAttribute("minlength"));
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(form.getByText("At least 8 characters.").last()).toBeVisible();
  await expect(form.getByRole("alert")).toHaveText("Check the highlighted fields.");
  await expect(form.getByLabel("E-mail")).toHaveValue(email);
  await expect(form.getByLabel("Name")).toHaveValue("Kept Person");

  await form.getByLabel("Initial password").fill("long-enough-password");
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(form.getByRole("status")).toHaveText(`Created ${email} as VIEWER.`);
  await expect(form.getByLabel("E-mail")).toHaveValue("");
  await expect(page.getByTestId(`user-row-${email}`)).toBeVisible();
});
