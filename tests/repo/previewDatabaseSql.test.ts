/**
 * The minikube preview's psql scripts (components/k8s/PreviewDatabase.ts) run for real against
 * the machine's PostgreSQL (the server the app's tests use: PGHOST/PGUSER, default 127.0.0.1 and
 * postgres), as the Job and the CronJob run them, with their secret files in a temporary folder:
 * the setup creates the role and the database it owns, closed to PUBLIC, closes the parent's
 * database (a database of the test's own here) to PUBLIC, and a second run changes nothing; the
 * drop removes the preview's database and role and leaves the parent's.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_SECRETS_DIR } from "../../components/k8s/djangoApp/appContract";
import { ADMIN_DIR, DROP_SQL, psqlScript, SETUP_SQL } from "../../components/k8s/PreviewDatabase";

const suffix = randomBytes(4).toString("hex");
const name = `pr_${suffix}`;
/**
 * The parent's database, the one the Job's psql connects to: this test's own, owned by a role
 * that is not a superuser (the hardest case for the revoke: its owner must keep its access).
 */
const parent = `parent_${suffix}`;
const parentOwner = `owner_${suffix}`;
const server = {
  PGHOST: process.env.PGHOST ?? "127.0.0.1",
  PGPORT: process.env.PGPORT ?? "5432",
  PGUSER: process.env.PGUSER ?? "postgres",
  PGDATABASE: "postgres",
};
const folder = fs.mkdtempSync(path.join(os.tmpdir(), "preview-psql-"));
const [admin, credentials] = ["admin", "credentials"].map((dir) => {
  fs.mkdirSync(path.join(folder, dir));
  return path.join(folder, dir);
}) as [string, string];
fs.writeFileSync(path.join(admin, "password"), process.env.PGPASSWORD ?? "");
for (const [key, value] of Object.entries({
  POSTGRES_DB: name,
  POSTGRES_USER: name,
  POSTGRES_PASSWORD: "pw1",
}))
  fs.writeFileSync(path.join(credentials, key), value);

/** The script as the pod runs it, its secret folders moved to the temporary ones. */
function run(sql: string): string {
  const script = psqlScript(sql).replaceAll(ADMIN_DIR, admin).replaceAll(DATABASE_SECRETS_DIR, credentials);
  return execFileSync("sh", ["-c", script], {
    env: { ...process.env, ...server, PGDATABASE: parent },
    encoding: "utf8",
  });
}
const query = (sql: string) =>
  execFileSync("psql", ["-X", "-tA", "-c", sql], {
    env: { ...process.env, ...server },
    encoding: "utf8",
  }).trim();

beforeAll(() => {
  query(`CREATE ROLE ${parentOwner} LOGIN NOSUPERUSER`);
  query(`CREATE DATABASE ${parent} OWNER ${parentOwner}`);
});

afterAll(() => {
  query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  query(`DROP DATABASE IF EXISTS ${parent} WITH (FORCE)`);
  query(`DROP ROLE IF EXISTS ${name}`);
  query(`DROP ROLE IF EXISTS ${parentOwner}`);
  fs.rmSync(folder, { recursive: true, force: true });
});

describe("a minikube preview's database scripts", () => {
  it("create the role and its own database closed to PUBLIC, and a second run adds nothing", () => {
    const parentOpen = () => query(`SELECT has_database_privilege('public', '${parent}', 'CONNECT')`);
    expect(parentOpen()).toBe("t");
    expect(run(SETUP_SQL)).toMatch(/CREATE ROLE[\s\S]*CREATE DATABASE/);
    const state = () =>
      query(
        `SELECT r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolpassword IS NOT NULL, pg_get_userbyid(d.datdba), ` +
          `has_database_privilege('public', d.datname, 'CONNECT') ` +
          `FROM pg_authid r, pg_database d WHERE r.rolname = '${name}' AND d.datname = '${name}'`,
      );
    expect(state()).toBe(`t|f|f|t|${name}|f`);
    // The preview's role may not open the parent's database (PostgreSQL's default lets it), nor
    // make temporary tables there; the parent's owner keeps both.
    expect(parentOpen()).toBe("f");
    const privilege = (role: string, what: string) =>
      query(`SELECT has_database_privilege('${role}', '${parent}', '${what}')`);
    expect([privilege(name, "CONNECT"), privilege(name, "TEMPORARY")]).toEqual(["f", "f"]);
    expect([privilege(parentOwner, "CONNECT"), privilege(parentOwner, "TEMPORARY")]).toEqual(["t", "t"]);
    const second = run(SETUP_SQL);
    expect(second).not.toMatch(/CREATE/);
    expect(state()).toBe(`t|f|f|t|${name}|f`);
  });

  it("drop the database and then the role", () => {
    expect(run(DROP_SQL)).toMatch(/DROP DATABASE[\s\S]*DROP ROLE/);
    expect(query(`SELECT count(*) FROM pg_roles WHERE rolname = '${name}'`)).toBe("0");
    expect(query(`SELECT count(*) FROM pg_database WHERE datname = '${name}'`)).toBe("0");
    expect(query(`SELECT count(*) FROM pg_database WHERE datname = '${parent}'`)).toBe("1");
  });
});
