import { toWsError } from "../errors";
import type { Conn, Hub } from "./hub";
import { ClientMessage } from "./protocol";

/**
 * Turn one raw client frame into a domain call. Invalid frames get an error
 * frame and the socket stays open.
 */
export function createDispatcher(getHub: () => Hub) {
  return async function dispatch(conn: Conn, raw: string) {
    const hub = getHub();
    let ref: string | undefined;
    try {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return hub.send(conn, { type: "error", code: "bad_request", message: "Frames must be JSON." });
      }
      if (json && typeof json === "object" && typeof (json as { ref?: unknown }).ref === "string") {
        ref = (json as { ref: string }).ref.slice(0, 64);
      }
      const msg = ClientMessage.parse(json);
      switch (msg.type) {
        case "ping":
          return hub.send(conn, { type: "pong", ref: msg.ref });
      }
    } catch (err) {
      hub.send(conn, toWsError(err, ref));
    }
  };
}
