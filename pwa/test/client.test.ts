import { describe, expect, test } from "vitest";
import { ApiError, csrf, describeError, makeClient, OfflineError, plainMessage, unwrap } from "../src/api/client";

type Seen = { method: string; url: string; csrf: string | null };

function fakeServer(status: number, body: unknown, seen: Seen[] = []): typeof fetch {
  return async (input: RequestInfo | URL) => {
    const request = input as Request;
    seen.push({ method: request.method, url: request.url, csrf: request.headers.get("x-csrf-token") });
    return new Response(status === 204 ? null : JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });
  };
}

describe("the API client", () => {
  test("a 422 becomes an ApiError naming the fields", async () => {
    const body = { status: 422, detail: "Validation failed", errors: [{ field: "title", message: "must not be empty" }] };
    const client = makeClient("http://test", fakeServer(422, body));
    const error = await unwrap(client.POST("/api/v1/barriers", { body: { title: "", level: "personal" } })).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.field("title")).toBe("Must not be empty.");
    expect(error.field("level")).toBeUndefined();
    // Each problem once, in words, without the server's joined detail that repeats the field.
    expect(describeError(error)).toBe("Must not be empty.");
    expect(error.others(["title"])).toEqual([]);
    expect(error.others([])).toEqual(["Must not be empty."]);
  });

  test("validator wording becomes plain words", () => {
    expect(plainMessage("Expected `str` of length >= 8")).toBe("Use at least 8 characters.");
    expect(plainMessage("Expected `str` of length <= 80")).toBe("Use at most 80 characters.");
    expect(plainMessage("Expected `str` of length >= 1")).toBe("This is required.");
    expect(plainMessage("Expected `str`, got `int`")).toBe("Use text here.");
    expect(plainMessage("Expected `int` >= 1")).toBe("Use a number of at least 1.");
    expect(plainMessage("Expected `int`, got `str`")).toBe("Use a whole number.");
    expect(plainMessage("Object missing required field `email`")).toBe("This is required.");
    expect(plainMessage("Invalid enum value 'sometimes'")).toBe("Choose one of the options.");
    expect(plainMessage("must be an email address such as name@example.com")).toBe(
      "Must be an email address such as name@example.com.",
    );
    for (const raw of ["Expected `str` of length >= 8", "Expected `bool`, got `str`"]) expect(plainMessage(raw)).not.toMatch(/`|Expected/);
  });

  test("an error without the usual body still says its status", async () => {
    const client = makeClient("http://test", fakeServer(500, "oops"));
    const error = await unwrap(client.GET("/api/v1/today")).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe("The server could not answer (HTTP 500); try again in a moment.");
  });

  test("no answer at all is an OfflineError", async () => {
    const client = makeClient("http://test", async () => {
      throw new TypeError("Failed to fetch");
    });
    const error = await unwrap(client.GET("/api/v1/today")).catch((e) => e);
    expect(error).toBeInstanceOf(OfflineError);
  });

  test("writes carry the CSRF token and reads do not", async () => {
    const seen: Seen[] = [];
    csrf.token = "tok-123";
    const client = makeClient("http://test", fakeServer(200, { date: "2026-03-02", timeZone: "UTC", items: [] }, seen));
    const agenda = await unwrap(client.GET("/api/v1/today"));
    expect(agenda.items).toEqual([]);
    await unwrap(client.DELETE("/api/v1/check-ins/{check_in_id}", { params: { path: { check_in_id: "abc" } } })).catch(() => {});
    csrf.token = null;
    expect(seen.map((s) => [s.method, s.csrf])).toEqual([
      ["GET", null],
      ["DELETE", "tok-123"],
    ]);
    expect(seen[1].url).toBe("http://test/api/v1/check-ins/abc");
  });
});
