/*
 * A test fixture for the container runtime, copied into the test image as /probe. Warm by
 * default (Spear's JSON-lines protocol), or per call with the argument "once" (the input on
 * stdin, the output on stdout). The input is a command string:
 *   "netdev"  -> the names of the network interfaces the container sees (["lo"] with --network none)
 *   "whoami"  -> {"uid","gid","rootWritable","tmpWritable","nofile","fsize"}: its user, whether it
 *                can create a file in / and in /tmp, and its open-file and file-size limits
 *   "loop"    -> never answers
 *   "hog"     -> allocates and touches memory until the limit stops it
 *   "crash"   -> exits with status 3
 *   "fail"    -> (once) writes to stderr and exits with status 4
 *   anything else -> {"echo": <input>}
 * The request line is parsed loosely: Spear writes {"id":"<id>","input":<json>} in that order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int can_create(const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return 0;
  fclose(f);
  unlink(path);
  return 1;
}

static void whoami(FILE *out) {
  struct rlimit nofile, fsize;
  getrlimit(RLIMIT_NOFILE, &nofile);
  getrlimit(RLIMIT_FSIZE, &fsize);
  fprintf(out, "{\"uid\":%d,\"gid\":%d,\"rootWritable\":%s,\"tmpWritable\":%s,\"nofile\":%llu,\"fsize\":%llu}", (int)getuid(), (int)getgid(),
          can_create("/probe-write-test") ? "true" : "false", can_create("/tmp/probe-write-test") ? "true" : "false",
          (unsigned long long)nofile.rlim_cur, (unsigned long long)fsize.rlim_cur);
}

static void netdev(FILE *out) {
  FILE *f = fopen("/proc/net/dev", "r");
  char line[512];
  int first = 1;
  fputc('[', out);
  for (int n = 0; f && fgets(line, sizeof line, f); n++) {
    char *colon = strchr(line, ':');
    if (n < 2 || !colon) continue; /* two header lines */
    *colon = 0;
    char *name = line;
    while (*name == ' ') name++;
    fprintf(out, "%s\"%s\"", first ? "" : ",", name);
    first = 0;
  }
  fputc(']', out);
  if (f) fclose(f);
}

/* Writes the output for an input (a JSON text), or ends the process as the input asks. */
static void run(const char *input, FILE *out) {
  if (strcmp(input, "\"netdev\"") == 0) return netdev(out);
  if (strcmp(input, "\"whoami\"") == 0) return whoami(out);
  if (strcmp(input, "\"loop\"") == 0)
    for (;;) {
    }
  if (strcmp(input, "\"hog\"") == 0)
    for (;;) {
      char *p = malloc(1 << 20);
      if (!p) {
        perror("probe: malloc");
        exit(5);
      }
      memset(p, 1, 1 << 20);
    }
  if (strcmp(input, "\"crash\"") == 0) exit(3);
  if (strcmp(input, "\"fail\"") == 0) {
    fprintf(stderr, "probe: failing on purpose\n");
    exit(4);
  }
  fprintf(out, "{\"echo\":%s}", input);
}

static char *trim(char *s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = 0;
  while (*s == ' ' || *s == '\n') s++;
  return s;
}

int main(int argc, char **argv) {
  static char buf[1 << 16];
  if (argc > 1 && strcmp(argv[1], "once") == 0) {
    size_t n = fread(buf, 1, sizeof buf - 1, stdin);
    buf[n] = 0;
    run(trim(buf), stdout);
    return 0;
  }
  printf("{\"ready\":true}\n");
  fflush(stdout);
  while (fgets(buf, sizeof buf, stdin)) {
    char *line = trim(buf);
    if (!*line) continue;
    char *id = strstr(line, "\"id\":\"");
    char *input = strstr(line, ",\"input\":");
    if (!id || !input || line[strlen(line) - 1] != '}') {
      fprintf(stderr, "probe: not a request line: %.80s\n", line);
      return 1;
    }
    line[strlen(line) - 1] = 0; /* the closing brace of the request */
    input += 9;
    id += 6;
    *strchr(id, '"') = 0;
    printf("{\"id\":\"%s\",\"output\":", id);
    run(input, stdout);
    printf("}\n");
    fflush(stdout);
  }
  return 0;
}
