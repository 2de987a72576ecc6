/*
 * `waot image import|ls|rm|inspect`: the local image store from the command line
 * (`waot image build` lives in image_build_cmd.c).
 */
#ifndef WAOT_CLI_IMAGE_CMD_H
#define WAOT_CLI_IMAGE_CMD_H

/* argv[0] is "image". 0 on success, 125 after one "waot: image: ..." line. */
int image_cmd_main(int argc, char **argv);

#endif
