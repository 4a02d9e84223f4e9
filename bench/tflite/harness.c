/* Runs a tinyloc C export (bit-exact with tinyloc's integer engine) on int8 input codes:
 *   harness arena             prints TINYLOC_ARENA_BYTES
 *   harness codes.bin out.bin  one window of TINYLOC_INPUT_SIZE codes in, TINYLOC_OUTPUT_SIZE scores out */
#include <stdio.h>
#include <string.h>
#include "model.h"

int main(int argc, char **argv) {
    static int8_t codes[TINYLOC_INPUT_SIZE], scores[TINYLOC_OUTPUT_SIZE];
    FILE *in, *out;
    if (argc == 2 && strcmp(argv[1], "arena") == 0) {
        printf("%d\n", TINYLOC_ARENA_BYTES);
        return 0;
    }
    if (argc != 3) return 2;
    in = fopen(argv[1], "rb");
    out = fopen(argv[2], "wb");
    if (!in || !out) return 2;
    while (fread(codes, 1, TINYLOC_INPUT_SIZE, in) == TINYLOC_INPUT_SIZE) {
        tinyloc_predict(codes, scores);
        fwrite(scores, 1, TINYLOC_OUTPUT_SIZE, out);
    }
    return fclose(out) == 0 ? 0 : 1;
}
