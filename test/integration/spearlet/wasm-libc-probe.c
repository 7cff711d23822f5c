// A WASI program built with wasi-libc, to check the sandbox's WASI host against a real libc:
// stdin, stdout, stderr, args, environment, preopens, files, directories, clocks, sleep,
// random and malloc (memory.grow). Input: {"alloc": <bytes to malloc>}; output: JSON facts.
// Rebuild (Debian): apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32, then
//   clang-14 --target=wasm32-wasi --sysroot=/usr -Os -fuse-ld=lld -Wl,--strip-all -o wasm-libc-probe.wasm wasm-libc-probe.c
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char input[65536];
/* The allocation escapes through this, so the compiler cannot drop the malloc and memset. */
char *volatile escaped;

int main(int argc, char **argv) {
  size_t n = fread(input, 1, sizeof input - 1, stdin);
  input[n] = 0;
  const char *at = strstr(input, "\"alloc\":");
  long alloc = at ? atol(at + 8) : 0;
  const char *greeting = getenv("GREETING");
  printf("{\"argv0\":\"%s\",\"greeting\":%s%s%s", argc > 0 ? argv[0] : "", greeting ? "\"" : "", greeting ? greeting : "null", greeting ? "\"" : "");

  FILE *in = fopen("/data/in.txt", "r");
  if (in) {
    char line[256] = {0};
    fgets(line, sizeof line, in);
    fclose(in);
    line[strcspn(line, "\n")] = 0;
    printf(",\"read\":\"%s\"", line);
    mkdir("/data/sub", 0755);
    FILE *out = fopen("/data/sub/out.txt", "w");
    fputs("written by C\n", out);
    fclose(out);
    struct stat st;
    stat("/data/sub/out.txt", &st);
    printf(",\"written\":%lld,\"entries\":[", (long long)st.st_size);
    DIR *d = opendir("/data");
    int count = 0;
    for (struct dirent *e; (e = readdir(d));) printf("%s\"%s\"", count++ ? "," : "", e->d_name);
    closedir(d);
    printf("]");
    FILE *escape = fopen("/data/../etc/hostname", "r");
    printf(",\"escape\":\"%s\"", escape ? "opened" : strerror(errno));
    unlink("/data/sub/out.txt");
    rmdir("/data/sub");
  } else {
    printf(",\"open_error\":\"%s\"", strerror(errno));
  }

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  usleep(20000);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long slept = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  unsigned char random[8] = {0};
  arc4random_buf(random, sizeof random);
  char *block = alloc > 0 ? malloc((size_t)alloc) : NULL;
  if (alloc > 0 && !block) {
    fprintf(stderr, "out of memory allocating %ld bytes\n", alloc);
    abort();
  }
  if (block) memset(block, 1, (size_t)alloc);
  escaped = block;
  printf(",\"slept_ms_at_least_20\":%s,\"random_nonzero\":%s,\"allocated\":%ld}\n", slept >= 19 ? "true" : "false",
         memcmp(random, "\0\0\0\0\0\0\0\0", 8) ? "true" : "false", block ? alloc : 0);
  fprintf(stderr, "probe done\n");
  return 0;
}
