export const packageName = 'engine';
