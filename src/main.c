/* emr: a terminal electronic medical record for solo practices. */
#include "emr/cli.h"

int main(int argc, char **argv)
{
	return emr_cli_main(argc, argv);
}
