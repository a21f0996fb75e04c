// Styles are bundled by esbuild; importing one gives TypeScript nothing to check.
declare module "*.css";
