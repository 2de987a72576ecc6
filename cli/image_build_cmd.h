/*
 * `waot image build FILE.wasm -t NAME[:TAG] [-o OUT.tar] ...`: pack a module as an OCI image.
 */
#ifndef WAOT_CLI_IMAGE_BUILD_CMD_H
#define WAOT_CLI_IMAGE_BUILD_CMD_H

/* argv[0] is "build". */
int image_build_cmd_main(int argc, char **argv);

#endif
