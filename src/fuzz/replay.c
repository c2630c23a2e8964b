/*
 * replay.c - runs a fuzz target over files (the corpus) without libFuzzer, so `make test`
 * can replay the corpus with gcc and ASan/UBSan.  Usage: replay FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *buf;
	long		len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
	{
		perror(path);
		return 1;
	}
	/* exactly len bytes (1 for an empty file): ASan then sees a read one byte past the input */
	buf = malloc(len > 0 ? (size_t) len : 1);
	if (buf == NULL || fread(buf, 1, (size_t) len, f) != (size_t) len)
	{
		perror(path);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t) len);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int			failed = 0;

	for (int i = 1; i < argc; i++)
		failed |= replay_file(argv[i]);
	printf("replayed %d inputs\n", argc - 1);
	return failed;
}
