import { describe, expect, it } from "vitest";
import { BindError, formatBind, isLoopback, parseBindAddress } from "../../src/http/bind.js";

describe("parseBindAddress", () => {
  it("reads HOST:PORT, [IPv6]:PORT and none", () => {
    expect(parseBindAddress("127.0.0.1:19090")).toEqual({ host: "127.0.0.1", port: 19090 });
    expect(parseBindAddress("[::1]:8080")).toEqual({ host: "::1", port: 8080 });
    expect(parseBindAddress("0.0.0.0:0")).toEqual({ host: "0.0.0.0", port: 0 });
    expect(parseBindAddress("localhost:9")).toEqual({ host: "localhost", port: 9 });
    expect(parseBindAddress("NONE")).toBeNull();
  });

  it("refuses what is not an address, saying what it expects", () => {
    for (const bad of ["19090", "localhost", "::1:80", "[nope]:80", "host:99999", "host:", ":80"]) {
      expect(() => parseBindAddress(bad), bad).toThrow(BindError);
    }
    expect(() => parseBindAddress("x")).toThrow(/is not HOST:PORT \(e\.g\. 127\.0\.0\.1:19090, \[::1\]:19090\) or none/);
  });
});

describe("isLoopback", () => {
  it("is true for 127/8, ::1 and localhost only", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1"]) expect(isLoopback(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "example.com", "::ffff:10.0.0.1"]) expect(isLoopback(h), h).toBe(false);
  });

  it("is the web view's test too: an IPv4-mapped loopback address and names under localhost are loopback, a mapped name is not", () => {
    for (const h of ["::FFFF:127.9.9.9", "app.localhost"]) expect(isLoopback(h), h).toBe(true);
    for (const h of ["::ffff:localhost", "localhost.example.com", "::2"]) expect(isLoopback(h), h).toBe(false);
  });

  it("formats an address back, IPv6 in brackets", () => {
    expect(formatBind({ host: "::1", port: 1 })).toBe("[::1]:1");
    expect(formatBind({ host: "127.0.0.1", port: 2 })).toBe("127.0.0.1:2");
  });
});
