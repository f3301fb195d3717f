import type { TestProject } from 'vitest/node';
import { startTestServer } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const { url, server } = await startTestServer();
  project.provide('baseUrl', url);
  return async () => {
    await server.close();
  };
}
