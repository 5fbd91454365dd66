export const packageName = 'controller';
