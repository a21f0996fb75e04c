import { describe, expect, it } from "vitest";
import { BindError, isLoopback, parseBind, urlOf } from "../../src/http/bind.js";

describe("parseBind", () => {
  it("reads HOST:PORT, bracketed IPv6 and none", () => {
    expect(parseBind("127.0.0.1:19091", "--ui-bind")).toEqual({ host: "127.0.0.1", port: 19091 });
    expect(parseBind("[::1]:8080", "--ui-bind")).toEqual({ host: "::1", port: 8080 });
    expect(parseBind("localhost:0", "--ui-bind")).toEqual({ host: "localhost", port: 0 });
    expect(parseBind(" none ", "--ui-bind")).toBeNull();
    expect(parseBind("NONE", "--ui-bind")).toBeNull();
  });

  it("refuses what is not an address, naming the flag and showing the forms", () => {
    for (const bad of ["19091", "127.0.0.1", ":19091", "127.0.0.1:99999", "[127.0.0.1]:80", "host:port", "::1:80"]) {
      expect(() => parseBind(bad, "--ui-bind"), bad).toThrow(BindError);
    }
    expect(() => parseBind("nope", "--bind")).toThrow(/--bind 'nope' is not HOST:PORT or none; e\.g\. 127\.0\.0\.1:19091/);
  });
});

describe("isLoopback", () => {
  it("is true only for addresses no other machine can reach", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST", "app.localhost"]) expect(isLoopback(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "example.com", "localhost.example.com"]) expect(isLoopback(h), h).toBe(false);
  });

  it("urlOf brackets IPv6 hosts", () => {
    expect(urlOf("::1", 80)).toBe("http://[::1]:80");
    expect(urlOf("127.0.0.1", 19091)).toBe("http://127.0.0.1:19091");
  });
});
