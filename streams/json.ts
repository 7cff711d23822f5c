const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeJson = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** Parses a message body; an empty body reads as `undefined`. Throws SyntaxError on bad JSON. */
export const decodeJson = (bytes: Uint8Array): unknown => (bytes.length === 0 ? undefined : JSON.parse(decoder.decode(bytes)));

export const decodeText = (bytes: Uint8Array): string => decoder.decode(bytes);
