// End-to-end smoke test of Dateline through a client generated from its OpenAPI document.
//
// The types in ./schema.d.ts are generated from ../../openapi/openapi.json by openapi-typescript
// (see ci.sh); every request below is type-checked against them by `tsc --strict`. Where the
// spec types a response loosely (an `anyOf` with a bare `{"type": "object"}` for sparse
// fieldsets), the body is parsed field by field into the spec's own type instead of being cast.
//
// Env: DATELINE_URL, DATELINE_ADMIN_EMAIL, DATELINE_ADMIN_PASSWORD (an admin or editor: the
// smoke test publishes). Exits 0 when every step passed, 1 on the first failure, 2 on bad env.

import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type ArticleView = components["schemas"]["ArticleView"];
type ArticleStatus = components["schemas"]["ArticleStatus"];
type AuthorView = components["schemas"]["AuthorView"];
type CorrectionKind = components["schemas"]["CorrectionKind"];
type CorrectionView = components["schemas"]["CorrectionView"];
type PageMeta = components["schemas"]["PageMeta"];
type SourceKind = components["schemas"]["SourceKind"];
type SourceView = components["schemas"]["SourceView"];
type TagView = components["schemas"]["TagView"];

const SEARCH_TIMEOUT_MS = 15_000;
const SEARCH_POLL_MS = 250;

// ---------------------------------------------------------------------------------------------
// Failures and steps

class SmokeFailure extends Error {
  override name = "SmokeFailure";
}

function fail(message: string): never {
  throw new SmokeFailure(message);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A one-line description of an error body: the RFC 9457 problem when it is one. */
function describeBody(body: unknown): string {
  if (isRecord(body)) {
    const parts: string[] = [];
    for (const key of ["title", "detail"]) {
      const v = body[key];
      if (typeof v === "string") parts.push(v);
    }
    const errors = body["errors"];
    if (Array.isArray(errors)) {
      for (const e of errors) {
        if (isRecord(e)) parts.push(`${String(e["field"])}: ${String(e["message"])}`);
      }
    }
    if (parts.length > 0) return parts.join(" — ");
  }
  if (body === undefined || body === null || body === "") return "(no body)";
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** What openapi-fetch resolves to, for any operation. */
interface Outcome<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** The response's body when it has the expected status (and a body); otherwise a failure. */
function expectBody<D>(what: string, outcome: Outcome<D>, status: number): D {
  const { response } = outcome;
  if (response.status !== status) {
    fail(
      `${what}: expected HTTP ${status}, got ${response.status} ${response.statusText}: ` +
        describeBody(outcome.error ?? outcome.data),
    );
  }
  if (outcome.data === undefined) fail(`${what}: HTTP ${status} without a JSON body`);
  return outcome.data;
}

/** The response has the expected status (for answers without a body: 204, 404, …). */
function expectStatus(what: string, outcome: Outcome<unknown>, status: number): void {
  const { response } = outcome;
  if (response.status !== status) {
    fail(
      `${what}: expected HTTP ${status}, got ${response.status} ${response.statusText}: ` +
        describeBody(outcome.error ?? outcome.data),
    );
  }
}

const passed: string[] = [];

/** Deletes of what this run created, run best-effort (newest first) when a step fails. */
const undo: { what: string; run: () => Promise<Outcome<unknown>> }[] = [];

async function undoAfterFailure(): Promise<void> {
  for (const { what, run } of undo.reverse()) {
    try {
      const { response } = await run();
      console.error(`   cleanup: ${what} → HTTP ${response.status}`);
    } catch (err) {
      console.error(`   cleanup: ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  let result: T;
  try {
    result = await run();
  } catch (err) {
    if (err instanceof SmokeFailure) throw new SmokeFailure(`step ${passed.length + 1} "${name}": ${err.message}`);
    const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : "";
    const message = err instanceof Error ? `${err.name}: ${err.message}${cause}` : String(err);
    throw new SmokeFailure(`step ${passed.length + 1} "${name}": unexpected error: ${message}`);
  }
  passed.push(name);
  console.log(`ok ${passed.length} - ${name} (${Math.round(performance.now() - started)} ms)`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Parsing loosely typed bodies into the spec's types, field by field (no casts)

function field(obj: Record<string, unknown>, key: string, where: string): unknown {
  if (!(key in obj)) fail(`${where}: required field "${key}" is missing`);
  return obj[key];
}

function str(obj: Record<string, unknown>, key: string, where: string): string {
  const v = field(obj, key, where);
  if (typeof v !== "string") fail(`${where}: "${key}" should be a string, got ${JSON.stringify(v)}`);
  return v;
}

function int(obj: Record<string, unknown>, key: string, where: string): number {
  const v = field(obj, key, where);
  if (typeof v !== "number" || !Number.isInteger(v)) {
    fail(`${where}: "${key}" should be an integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function bool(obj: Record<string, unknown>, key: string, where: string): boolean {
  const v = field(obj, key, where);
  if (typeof v !== "boolean") fail(`${where}: "${key}" should be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

/** A `["string", "null"]` member that is not required: absent → undefined. */
function optStrOrNull(obj: Record<string, unknown>, key: string, where: string): string | null | undefined {
  const v = obj[key];
  if (v === undefined || v === null || typeof v === "string") return v;
  fail(`${where}: "${key}" should be a string or null, got ${JSON.stringify(v)}`);
}

function optIntOrNull(obj: Record<string, unknown>, key: string, where: string): number | null | undefined {
  const v = obj[key];
  if (v === undefined || v === null || (typeof v === "number" && Number.isInteger(v))) return v;
  fail(`${where}: "${key}" should be an integer or null, got ${JSON.stringify(v)}`);
}

function intArray(obj: Record<string, unknown>, key: string, where: string): number[] {
  const v = field(obj, key, where);
  if (!Array.isArray(v)) fail(`${where}: "${key}" should be an array, got ${JSON.stringify(v)}`);
  return v.map((item: unknown, i) => {
    if (typeof item !== "number" || !Number.isInteger(item)) {
      fail(`${where}: "${key}[${i}]" should be an integer, got ${JSON.stringify(item)}`);
    }
    return item;
  });
}

const ARTICLE_STATUSES = ["draft", "scheduled", "published", "archived"] as const satisfies readonly ArticleStatus[];

function articleStatus(obj: Record<string, unknown>, key: string, where: string): ArticleStatus {
  const v = field(obj, key, where);
  const status = ARTICLE_STATUSES.find((s) => s === v);
  if (status === undefined) fail(`${where}: "${key}" should be one of ${ARTICLE_STATUSES.join("|")}, got ${JSON.stringify(v)}`);
  return status;
}

const CORRECTION_KINDS: readonly CorrectionKind[] = ["correction", "clarification", "update"];

/** A correction with its amendments, as CorrectionView. */
function parseCorrection(value: unknown, where: string): CorrectionView {
  if (!isRecord(value)) fail(`${where}: expected a correction object, got ${JSON.stringify(value)}`);
  const kind = str(value, "kind", where);
  const known = CORRECTION_KINDS.find((k) => k === kind);
  if (known === undefined) fail(`${where}: "kind" ${JSON.stringify(kind)} is not a correction kind`);
  const amendments = field(value, "amendments", where);
  if (!Array.isArray(amendments)) fail(`${where}: "amendments" should be an array`);
  return {
    id: int(value, "id", where),
    article_id: int(value, "article_id", where),
    kind: known,
    note: str(value, "note", where),
    created_at: str(value, "created_at", where),
    updated_at: str(value, "updated_at", where),
    amendments: amendments.map((a: unknown, i) => {
      const w = `${where}.amendments[${i}]`;
      if (!isRecord(a)) fail(`${w}: expected an amendment object`);
      return {
        previous_note: str(a, "previous_note", w),
        note: str(a, "note", w),
        reason: str(a, "reason", w),
        created_at: str(a, "created_at", w),
      };
    }),
  };
}

function parseAuthor(value: unknown, where: string): AuthorView {
  if (!isRecord(value)) fail(`${where}: expected an author object, got ${JSON.stringify(value)}`);
  const author: AuthorView = {
    id: int(value, "id", where),
    slug: str(value, "slug", where),
    name: str(value, "name", where),
    article_count: int(value, "article_count", where),
    created_at: str(value, "created_at", where),
    updated_at: str(value, "updated_at", where),
  };
  const email = optStrOrNull(value, "email", where);
  if (email !== undefined) author.email = email;
  const bio = optStrOrNull(value, "bio", where);
  if (bio !== undefined) author.bio = bio;
  return author;
}

function parseTag(value: unknown, where: string): TagView {
  if (!isRecord(value)) fail(`${where}: expected a tag object, got ${JSON.stringify(value)}`);
  const tag: TagView = {
    id: int(value, "id", where),
    slug: str(value, "slug", where),
    name: str(value, "name", where),
    article_count: int(value, "article_count", where),
    created_at: str(value, "created_at", where),
    updated_at: str(value, "updated_at", where),
  };
  const description = optStrOrNull(value, "description", where);
  if (description !== undefined) tag.description = description;
  return tag;
}

const SOURCE_KINDS = ["agency", "newspaper", "broadcaster", "website", "government", "other"] as const satisfies readonly SourceKind[];

function parseSource(value: unknown, where: string): SourceView {
  if (!isRecord(value)) fail(`${where}: expected a source object, got ${JSON.stringify(value)}`);
  const kindValue = field(value, "kind", where);
  const kind = SOURCE_KINDS.find((k) => k === kindValue);
  if (kind === undefined) fail(`${where}: "kind" should be one of ${SOURCE_KINDS.join("|")}, got ${JSON.stringify(kindValue)}`);
  const source: SourceView = {
    id: int(value, "id", where),
    slug: str(value, "slug", where),
    name: str(value, "name", where),
    kind,
    article_count: int(value, "article_count", where),
    created_at: str(value, "created_at", where),
    updated_at: str(value, "updated_at", where),
  };
  const description = optStrOrNull(value, "description", where);
  if (description !== undefined) source.description = description;
  return source;
}

/** An embedded list (`authors`, `tags`, `sources`): absent → undefined, null → null. */
function optEmbedded<T>(
  obj: Record<string, unknown>,
  key: string,
  where: string,
  parse: (item: unknown, where: string) => T,
): T[] | null | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return v;
  if (!Array.isArray(v)) fail(`${where}: "${key}" should be an array, got ${JSON.stringify(v)}`);
  return v.map((item: unknown, i) => parse(item, `${where}.${key}[${i}]`));
}

/** An article as ArticleView: every member the spec requires, plus the embeds that are present. */
function parseArticle(value: unknown, where: string): ArticleView {
  if (!isRecord(value)) fail(`${where}: expected an article object, got ${JSON.stringify(value)}`);
  const article: ArticleView = {
    id: int(value, "id", where),
    slug: str(value, "slug", where),
    title: str(value, "title", where),
    excerpt: str(value, "excerpt", where),
    body: str(value, "body", where),
    body_html: str(value, "body_html", where),
    status: articleStatus(value, "status", where),
    created_at: str(value, "created_at", where),
    updated_at: str(value, "updated_at", where),
    word_count: int(value, "word_count", where),
    reading_time_minutes: int(value, "reading_time_minutes", where),
    comments_enabled: bool(value, "comments_enabled", where),
    comment_count: int(value, "comment_count", where),
    author_ids: intArray(value, "author_ids", where),
    tag_ids: intArray(value, "tag_ids", where),
    source_ids: intArray(value, "source_ids", where),
    corrections: (optEmbedded(value, "corrections", where, parseCorrection) ?? fail(`${where}: "corrections" is missing`)),
  };
  const publishedAt = optStrOrNull(value, "published_at", where);
  if (publishedAt !== undefined) article.published_at = publishedAt;
  const dateline = optStrOrNull(value, "dateline", where);
  if (dateline !== undefined) article.dateline = dateline;
  const subtitle = optStrOrNull(value, "subtitle", where);
  if (subtitle !== undefined) article.subtitle = subtitle;
  const featureImageId = optIntOrNull(value, "feature_image_id", where);
  if (featureImageId !== undefined) article.feature_image_id = featureImageId;
  const authors = optEmbedded(value, "authors", where, parseAuthor);
  if (authors !== undefined) article.authors = authors;
  const tags = optEmbedded(value, "tags", where, parseTag);
  if (tags !== undefined) article.tags = tags;
  const sources = optEmbedded(value, "sources", where, parseSource);
  if (sources !== undefined) article.sources = sources;
  return article;
}

/** The items of a list page (typed by the spec as full articles *or* bare objects). */
function parseArticlePage(body: { data: readonly unknown[]; meta: PageMeta }, where: string): ArticleView[] {
  return body.data.map((item, i) => parseArticle(item, `${where}.data[${i}]`));
}

// ---------------------------------------------------------------------------------------------
// Helpers for the checks

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** RFC 3339 in UTC (API.md: timestamps end in `Z`), parseable, returns epoch ms. */
function utcTimestamp(value: string | null | undefined, what: string): number {
  if (typeof value !== "string") fail(`${what} should be a timestamp, got ${JSON.stringify(value)}`);
  const ms = Date.parse(value);
  check(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value) && !Number.isNaN(ms), `${what} should be RFC 3339 UTC, got ${JSON.stringify(value)}`);
  return ms;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === "") {
    console.error(`smoke: the environment variable ${name} is required (DATELINE_URL, DATELINE_ADMIN_EMAIL, DATELINE_ADMIN_PASSWORD)`);
    process.exit(2);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The scenario

async function main(): Promise<void> {
  const baseUrl = requireEnv("DATELINE_URL").replace(/\/+$/, "");
  const email = requireEnv("DATELINE_ADMIN_EMAIL");
  const password = requireEnv("DATELINE_ADMIN_PASSWORD");

  // A run-unique token: in slugs, and as a word that only this run's article contains.
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, "0")}`;
  const searchWord = `zq${runId}`;
  const authorSlug = `ci-smoke-reporter-${runId}`;
  const articleSlug = `ci-smoke-basra-port-${runId}`;
  const title = `Basra port reopens to container ships after months of dredging (${runId})`;
  const body = [
    "The main container terminal at **Umm Qasr** reopened to large vessels on Tuesday after",
    "four months of dredging deepened its approach channel to 14 metres, the port authority said.",
    "",
    `Two feeder ships docked before noon, port officials told reporters. Traders hope the work will`,
    `cut waiting times that had stretched to nine days during the summer. Reference ${searchWord}.`,
  ].join("\n");

  const anonymous = createClient<paths>({ baseUrl, headers: { Accept: "application/json" } });

  console.log(`smoke: Dateline at ${baseUrl}, run ${runId}`);

  await step("server is up (GET /healthz)", async () => {
    const health = expectBody("GET /healthz", await anonymous.GET("/healthz"), 200);
    check(health.status === "ok", `GET /healthz: status should be "ok", got ${JSON.stringify(health.status)}`);
  });

  const token = await step("log in (POST /api/v1/auth/login)", async () => {
    const pair = expectBody(
      "POST /api/v1/auth/login",
      await anonymous.POST("/api/v1/auth/login", { body: { email, password } }),
      200,
    );
    check(pair.token_type === "Bearer", `token_type should be "Bearer", got ${JSON.stringify(pair.token_type)}`);
    check(pair.access_token.split(".").length === 3, "access_token should be a JWT (three dot-separated parts)");
    check(pair.refresh_token.length > 0, "refresh_token should not be empty");
    check(pair.expires_in > 0, `expires_in should be positive, got ${pair.expires_in}`);
    return pair.access_token;
  });

  const staff = createClient<paths>({
    baseUrl,
    headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
  });

  await step("the token works (GET /api/v1/auth/me)", async () => {
    const me = expectBody("GET /api/v1/auth/me", await staff.GET("/api/v1/auth/me"), 200);
    check(me.email.toLowerCase() === email.toLowerCase(), `/auth/me should be ${email}, got ${me.email}`);
    check(me.role === "admin" || me.role === "editor", `the smoke test publishes, so it needs an admin or editor; ${me.email} is an ${me.role}`);
    check(!me.disabled, `${me.email} is disabled`);
  });

  const author = await step("create an author (POST /api/v1/authors)", async () => {
    const name = `Layla Haddad ${runId}`;
    const authorEmail = `layla.haddad+${runId}@ci.example`;
    const outcome = await staff.POST("/api/v1/authors", {
      body: { name, slug: authorSlug, email: authorEmail, bio: "Covers ports and shipping from Basra." },
    });
    const created = expectBody("POST /api/v1/authors", outcome, 201);
    undo.push({
      what: `DELETE /api/v1/authors/${created.id}`,
      run: () => staff.DELETE("/api/v1/authors/{id_or_slug}", { params: { path: { id_or_slug: String(created.id) } } }),
    });
    check(created.id > 0, `id should be positive, got ${created.id}`);
    check(created.slug === authorSlug, `slug should be ${authorSlug}, got ${created.slug}`);
    check(created.name === name, `name should be ${JSON.stringify(name)}, got ${JSON.stringify(created.name)}`);
    check(created.email === authorEmail, `email (staff view) should be ${authorEmail}, got ${JSON.stringify(created.email)}`);
    check(created.article_count === 0, `article_count should be 0, got ${created.article_count}`);
    utcTimestamp(created.created_at, "created_at");
    const location = outcome.response.headers.get("Location");
    check(location !== null && location.includes(`/api/v1/authors/`), `Location header should point at the new author, got ${JSON.stringify(location)}`);
    return created;
  });

  const draft = await step("create a draft article bylined to that author (POST /api/v1/articles)", async () => {
    const created = expectBody(
      "POST /api/v1/articles",
      await staff.POST("/api/v1/articles", {
        body: {
          title,
          slug: articleSlug,
          subtitle: "First large vessels dock at Umm Qasr since the spring",
          dateline: "Basra",
          body,
          author_ids: [author.id],
        },
      }),
      201,
    );
    undo.push({
      what: `DELETE /api/v1/articles/${created.id}`,
      run: () => staff.DELETE("/api/v1/articles/{id_or_slug}", { params: { path: { id_or_slug: String(created.id) } } }),
    });
    check(created.slug === articleSlug, `slug should be ${articleSlug}, got ${created.slug}`);
    check(created.title === title, `title should round-trip, got ${JSON.stringify(created.title)}`);
    check(created.status === "draft", `a new article should be a draft, got ${created.status}`);
    check(created.published_at === null || created.published_at === undefined, `a draft should have no published_at, got ${JSON.stringify(created.published_at)}`);
    check(sameIds(created.author_ids, [author.id]), `author_ids should be [${author.id}], got ${JSON.stringify(created.author_ids)}`);
    check(created.dateline === "Basra", `dateline should be "Basra", got ${JSON.stringify(created.dateline)}`);
    check(created.body === body, "body should round-trip unchanged");
    check(created.body_html.includes("<strong>Umm Qasr</strong>"), `body_html should render the Markdown, got ${JSON.stringify(created.body_html.slice(0, 120))}`);
    check(created.word_count > 40, `word_count should count the body's words, got ${created.word_count}`);
    check(created.excerpt.length > 0, "excerpt should be derived from the body");
    // A draft is not public.
    expectStatus(
      "anonymous GET of the draft",
      await anonymous.GET("/api/v1/articles/{id_or_slug}", { params: { path: { id_or_slug: articleSlug } } }),
      404,
    );
    return created;
  });

  const publishStarted = Date.now();
  const published = await step("publish it (PATCH /api/v1/articles/{id} {status: published})", async () => {
    const updated = expectBody(
      "PATCH /api/v1/articles/{id_or_slug}",
      await staff.PATCH("/api/v1/articles/{id_or_slug}", {
        params: { path: { id_or_slug: String(draft.id) } },
        body: { status: "published" },
      }),
      200,
    );
    check(updated.id === draft.id, `PATCH answered article ${updated.id}, not ${draft.id}`);
    check(updated.status === "published", `status should be "published", got ${updated.status}`);
    const at = utcTimestamp(updated.published_at, "published_at");
    check(Math.abs(at - publishStarted) < 120_000, `published_at should default to now, got ${updated.published_at}`);
    return updated;
  });

  await step("list articles and find it (GET /api/v1/articles)", async () => {
    const outcome = await anonymous.GET("/api/v1/articles", { params: { query: { per_page: 100 } } });
    const page = expectBody("GET /api/v1/articles", outcome, 200);
    const articles = parseArticlePage(page, "GET /api/v1/articles");
    check(page.meta.per_page === 100, `meta.per_page should be 100, got ${page.meta.per_page}`);
    check(page.meta.page === 1, `meta.page should be 1, got ${page.meta.page}`);
    const found = articles.find((a) => a.id === published.id);
    check(found !== undefined, `the newest public article (${articleSlug}) is not on the first page of the public list (${articles.length} items, total ${page.meta.total})`);
    check(found.slug === articleSlug && found.status === "published", `the listed article should be ${articleSlug}/published, got ${found.slug}/${found.status}`);
    check(articles.every((a) => a.status === "published"), "the public list should only hold published articles");
    const totalHeader = outcome.response.headers.get("X-Total-Count");
    if (totalHeader !== null && page.meta.total !== undefined) {
      check(Number(totalHeader) === page.meta.total, `X-Total-Count ${totalHeader} should equal meta.total ${page.meta.total}`);
    }

    const byAuthor = expectBody(
      "GET /api/v1/articles?author=",
      await anonymous.GET("/api/v1/articles", { params: { query: { author: authorSlug } } }),
      200,
    );
    const mine = parseArticlePage(byAuthor, "GET /api/v1/articles?author=");
    check(mine.length === 1 && mine[0]?.id === published.id, `?author=${authorSlug} should list exactly article ${published.id}, got ids ${JSON.stringify(mine.map((a) => a.id))}`);
    check(byAuthor.meta.total === undefined || byAuthor.meta.total === 1, `?author= meta.total should be 1, got ${byAuthor.meta.total}`);
  });

  await step(`search for it (GET /api/v1/articles?q=${searchWord}, up to ${SEARCH_TIMEOUT_MS / 1000} s)`, async () => {
    const deadline = Date.now() + SEARCH_TIMEOUT_MS;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const page = expectBody(
        "GET /api/v1/articles?q=",
        await anonymous.GET("/api/v1/articles", { params: { query: { q: searchWord } } }),
        200,
      );
      const hits = parseArticlePage(page, "GET /api/v1/articles?q=");
      if (hits.length > 0) {
        check(hits.length === 1, `q=${searchWord} should match only this run's article, got ${hits.length} hits`);
        check(hits[0]?.id === published.id, `q=${searchWord} found article ${hits[0]?.id}, not ${published.id}`);
        if (attempts > 1) console.log(`   (found after ${attempts} attempts)`);
        return;
      }
      if (Date.now() >= deadline) {
        fail(`q=${searchWord} found nothing after ${attempts} attempts in ${SEARCH_TIMEOUT_MS / 1000} s`);
      }
      await sleep(SEARCH_POLL_MS);
    }
  });

  await step("read it by slug with include=authors,tags,sources (GET /api/v1/articles/{slug})", async () => {
    const outcome = await anonymous.GET("/api/v1/articles/{id_or_slug}", {
      params: { path: { id_or_slug: articleSlug }, query: { include: "authors,tags,sources" } },
    });
    const article = parseArticle(expectBody("GET /api/v1/articles/{id_or_slug}", outcome, 200), "GET /api/v1/articles/{slug}");
    check(article.id === published.id && article.slug === articleSlug, `read ${article.id}/${article.slug}, expected ${published.id}/${articleSlug}`);
    check(article.title === title, `title should be ${JSON.stringify(title)}, got ${JSON.stringify(article.title)}`);
    check(article.status === "published", `status should be "published", got ${article.status}`);
    check(article.published_at === published.published_at, `published_at should be ${published.published_at}, got ${article.published_at}`);
    check(sameIds(article.author_ids, [author.id]), `author_ids should be [${author.id}], got ${JSON.stringify(article.author_ids)}`);
    check(outcome.response.headers.get("ETag") !== null, "a GET should carry an ETag");

    const authors = article.authors;
    check(Array.isArray(authors), `include=authors should embed "authors", got ${JSON.stringify(authors)}`);
    check(authors.length === 1, `"authors" should hold the one byline author, got ${authors.length}`);
    const [embedded] = authors;
    check(embedded !== undefined, "authors[0] is missing");
    check(embedded.id === author.id, `authors[0].id should be ${author.id}, got ${embedded.id}`);
    check(embedded.slug === author.slug, `authors[0].slug should be ${author.slug}, got ${embedded.slug}`);
    check(embedded.name === author.name, `authors[0].name should be ${JSON.stringify(author.name)}, got ${JSON.stringify(embedded.name)}`);
    check(embedded.email === undefined, `authors[0].email should be absent for an anonymous reader, got ${JSON.stringify(embedded.email)}`);
    check(embedded.article_count === 1, `authors[0].article_count should be 1 now that the article is public, got ${embedded.article_count}`);

    // The spec's `include` also names tags and sources: both are embedded, empty here.
    const tags = article.tags;
    const sources = article.sources;
    check(Array.isArray(tags) && tags.length === 0, `include=tags should embed an empty "tags", got ${JSON.stringify(tags)}`);
    check(Array.isArray(sources) && sources.length === 0, `include=sources should embed an empty "sources", got ${JSON.stringify(sources)}`);
  });

  await step("clean up (DELETE the article, then the author)", async () => {
    expectStatus(
      "DELETE /api/v1/articles/{id_or_slug}",
      await staff.DELETE("/api/v1/articles/{id_or_slug}", { params: { path: { id_or_slug: String(published.id) } } }),
      204,
    );
    expectStatus(
      "GET of the deleted article",
      await staff.GET("/api/v1/articles/{id_or_slug}", { params: { path: { id_or_slug: articleSlug } } }),
      404,
    );
    expectStatus(
      "DELETE /api/v1/authors/{id_or_slug}",
      await staff.DELETE("/api/v1/authors/{id_or_slug}", { params: { path: { id_or_slug: authorSlug } } }),
      204,
    );
    undo.length = 0;
  });
}

const startedAt = performance.now();
try {
  await main();
  console.log(`smoke: ${passed.length} passed, 0 failed (${Math.round(performance.now() - startedAt)} ms)`);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`FAIL ${message}`);
  await undoAfterFailure();
  console.log(`smoke: ${passed.length} passed, 1 failed (${Math.round(performance.now() - startedAt)} ms)`);
  process.exitCode = 1;
}
