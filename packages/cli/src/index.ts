export const packageName = 'cli';
