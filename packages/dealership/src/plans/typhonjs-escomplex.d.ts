/** The slice of typhonjs-escomplex (no bundled types) that halstead.ts uses. */
declare module 'typhonjs-escomplex' {
  const escomplex: {
    analyzeModule(source: string, options: object, parserOptions: object): { aggregate: { halstead: Record<string, number> } };
    analyzeModuleAST(ast: object, options: object): { aggregate: { halstead: Record<string, number> } };
  };
  export default escomplex;
}
