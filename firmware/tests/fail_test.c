/* Deliberately fails with code 21 (tohost = 43): checks that `trnsim iss`
   reports a failure code and exits 1. */
int main(void) { return 21; }
