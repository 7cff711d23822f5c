/*
 * upper: a Spear container function. It returns its input with every string value in upper
 * case (ASCII letters; object keys are kept as they are):
 *   {"name":"ada","tags":["x","y"],"n":1}  ->  {"name":"ADA","tags":["X","Y"],"n":1}
 *
 * It speaks Spear's JSON-lines protocol (docs/functions.md): it writes {"ready":true} once, then
 * answers each request line {"id":...,"input":...} with one line {"id":...,"output":...}, and
 * exits when its stdin ends. Built with `gcc -static`, so the image holds this file alone.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

typedef struct {
  const char *p;
  const char *end;
} cursor;

static void skip_ws(cursor *c) {
  while (c->p < c->end && isspace((unsigned char)*c->p)) c->p++;
}

/* Moves past one JSON string (c->p at its opening quote); 0 when malformed. */
static int skip_string(cursor *c) {
  if (c->p >= c->end || *c->p != '"') return 0;
  for (c->p++; c->p < c->end; c->p++) {
    if (*c->p == '\\') {
      c->p++;
    } else if (*c->p == '"') {
      c->p++;
      return 1;
    }
  }
  return 0;
}

/* Moves past one JSON value; 0 when malformed. */
static int skip_value(cursor *c, int depth) {
  skip_ws(c);
  if (c->p >= c->end || depth > MAX_DEPTH) return 0;
  char open = *c->p;
  if (open == '"') return skip_string(c);
  if (open == '{' || open == '[') {
    char close = open == '{' ? '}' : ']';
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == close) {
      c->p++;
      return 1;
    }
    for (;;) {
      if (open == '{') {
        skip_ws(c);
        if (!skip_string(c)) return 0;
        skip_ws(c);
        if (c->p >= c->end || *c->p != ':') return 0;
        c->p++;
      }
      if (!skip_value(c, depth + 1)) return 0;
      skip_ws(c);
      if (c->p < c->end && *c->p == ',') {
        c->p++;
        continue;
      }
      if (c->p < c->end && *c->p == close) {
        c->p++;
        return 1;
      }
      return 0;
    }
  }
  const char *start = c->p; /* a number, true, false or null */
  while (c->p < c->end && (isalnum((unsigned char)*c->p) || strchr("+-.", *c->p))) c->p++;
  return c->p > start;
}

/*
 * Writes a well-formed JSON value (already checked by skip_value) with its string values in
 * upper case. A string is a key when it opens an object member: its container is an object and
 * the last character outside strings was '{' or ','. The character after a backslash is copied
 * as is, so escapes stay valid (\n is not \N; hex digits of \u may change case harmlessly).
 */
static void write_upper(const char *p, const char *end, FILE *out) {
  char stack[MAX_DEPTH + 2];
  int depth = 0;
  char last = 0;
  while (p < end) {
    char ch = *p;
    if (ch == '"') {
      int key = depth > 0 && stack[depth - 1] == '{' && (last == '{' || last == ',');
      fputc(*p++, out);
      while (p < end && *p != '"') {
        if (*p == '\\') {
          fputc(*p++, out);
          if (p < end) fputc(*p++, out);
          continue;
        }
        fputc(key ? *p : toupper((unsigned char)*p), out);
        p++;
      }
      if (p < end) fputc(*p++, out);
      last = '"';
      continue;
    }
    if (ch == '{' || ch == '[') stack[depth++] = ch;
    if ((ch == '}' || ch == ']') && depth > 0) depth--;
    if (!isspace((unsigned char)ch)) last = ch;
    fputc(ch, out);
    p++;
  }
}

/* Finds the "id" and "input" members of a request line; 0 when the line is not one. */
static int parse_request(const char *line, size_t len, cursor *id, cursor *input) {
  cursor c = {line, line + len};
  id->p = input->p = NULL;
  skip_ws(&c);
  if (c.p >= c.end || *c.p != '{') return 0;
  c.p++;
  for (;;) {
    skip_ws(&c);
    const char *key = c.p;
    if (!skip_string(&c)) return 0;
    size_t key_len = (size_t)(c.p - key);
    skip_ws(&c);
    if (c.p >= c.end || *c.p != ':') return 0;
    c.p++;
    skip_ws(&c);
    const char *value = c.p;
    if (!skip_value(&c, 0)) return 0;
    cursor span = {value, c.p};
    if (key_len == 4 && memcmp(key, "\"id\"", 4) == 0) *id = span;
    if (key_len == 7 && memcmp(key, "\"input\"", 7) == 0) *input = span;
    skip_ws(&c);
    if (c.p < c.end && *c.p == ',') {
      c.p++;
      continue;
    }
    break;
  }
  return id->p != NULL && input->p != NULL;
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  printf("{\"ready\":true}\n");
  fflush(stdout);
  while ((len = getline(&line, &cap, stdin)) >= 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    if (len == 0) continue;
    cursor id = {NULL, NULL}, input = {NULL, NULL};
    if (!parse_request(line, (size_t)len, &id, &input)) {
      fprintf(stderr, "upper: not a request line: %.80s\n", line);
      return 1;
    }
    fputs("{\"id\":", stdout);
    fwrite(id.p, 1, (size_t)(id.end - id.p), stdout);
    fputs(",\"output\":", stdout);
    write_upper(input.p, input.end, stdout);
    fputs("}\n", stdout);
    fflush(stdout);
  }
  free(line);
  return 0;
}
